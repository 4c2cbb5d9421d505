package social

import (
	"context"
	"net"
	"strings"
	"unicode/utf8"

	"parvis/internal/model"
	"parvis/internal/store"
)

// DomainBlockInput is an admin's block of a remote domain.
type DomainBlockInput struct {
	// Domain is a host name, with a port for servers on another port; its
	// subdomains are blocked with it.
	Domain string
	// Severity is store.DomainSuspend (the default) or store.DomainSilence.
	Severity string
	Reason   string
}

// NormalizeDomain validates a domain typed by an admin ("Example.COM",
// "https://example.com/", "127.0.0.2:8082") and returns it lower-cased as
// host or host:port.
func NormalizeDomain(raw string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(raw))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d = strings.TrimSuffix(d, "/")
	d = strings.TrimSuffix(d, ".")
	host := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		host = h
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return "", model.Errorf(model.EUNPROCESS, "%q is not a domain", raw)
		}
	}
	if host == "" || len(d) > 253 || strings.HasPrefix(host, ".") || strings.Contains(host, "..") ||
		strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return "", model.Errorf(model.EUNPROCESS, "%q is not a domain", raw)
	}
	return d, nil
}

// BlockDomain blocks a remote domain (admins only). Suspending it also
// suspends its accounts and ends every follow between them and local
// accounts; silencing keeps them, but their posts stay off public
// timelines and their follows become requests.
func (s *Service) BlockDomain(ctx context.Context, actor *Actor, in DomainBlockInput) (*store.DomainBlock, error) {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return nil, err
	}
	d, err := NormalizeDomain(in.Domain)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(d, s.cfg.Domain) {
		return nil, model.Errorf(model.EUNPROCESS, "this server's own domain can't be blocked")
	}
	switch in.Severity {
	case "":
		in.Severity = store.DomainSuspend
	case store.DomainSuspend, store.DomainSilence:
	default:
		return nil, model.Errorf(model.EUNPROCESS, "unknown severity %q (want suspend or silence)", in.Severity)
	}
	if utf8.RuneCountInString(in.Reason) > 1000 {
		return nil, model.Errorf(model.EUNPROCESS, "the reason is longer than 1000 characters")
	}
	b := store.DomainBlock{Domain: d, Severity: in.Severity, Reason: strings.TrimSpace(in.Reason),
		CreatedBy: actor.Account.ID, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.PutDomainBlock(ctx, b); err != nil {
			return err
		}
		if b.Severity != store.DomainSuspend {
			return nil
		}
		ids, err := tx.RemoteAccountIDsOn(ctx, d)
		if err != nil {
			return err
		}
		accs, err := tx.AccountsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			a := accs[id]
			if a == nil || a.Suspended() {
				continue
			}
			if err := tx.SuspendAccount(ctx, a.ID, b.CreatedAt); err != nil {
				return err
			}
			a.SuspendedAt = b.CreatedAt
			if err := s.severFollows(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap("block domain", err)
	}
	return &b, nil
}

// UnblockDomain lifts a domain block (admins only). Accounts suspended by
// the block are not restored: their follows are gone, and they come back
// when their server talks to this one again.
func (s *Service) UnblockDomain(ctx context.Context, actor *Actor, domain string) error {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return err
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return err
	}
	return wrap("unblock domain", s.db.Tx(ctx, func(tx *store.Tx) error {
		ok, err := tx.DeleteDomainBlock(ctx, d)
		if err != nil {
			return err
		}
		if !ok {
			return model.Errorf(model.ENOTFOUND, "the domain %s is not blocked", d)
		}
		return nil
	}))
}

// DomainBlocks lists the blocked domains (moderators and admins).
func (s *Service) DomainBlocks(ctx context.Context, actor *Actor) ([]store.DomainBlock, error) {
	if err := actor.requireRole(model.RoleModerator); err != nil {
		return nil, err
	}
	return s.db.Read().DomainBlocks(ctx)
}

// SetRemoteResolver lets searches by logged-in people find accounts that
// are not known yet ("user@domain", or a profile's URL): the federation
// package looks them up on their server.
func (s *Service) SetRemoteResolver(fn func(ctx context.Context, query string) (*model.Account, error)) {
	s.resolver = fn
}

// resolveRemote looks an account up on its server, when a resolver is set
// and the query names a remote account.
func (s *Service) resolveRemote(ctx context.Context, viewer *Actor, query string) (*model.Account, error) {
	if s.resolver == nil || !viewer.LoggedIn() {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return s.resolver(ctx, query)
}

// looksRemote reports whether a search query names an account on another
// server: "user@domain", "@user@domain" or an http(s) URL.
func looksRemote(query string) bool {
	if strings.HasPrefix(query, "https://") || strings.HasPrefix(query, "http://") {
		return true
	}
	acct := strings.TrimPrefix(query, "@")
	user, domain, ok := strings.Cut(acct, "@")
	return ok && user != "" && domain != "" && !strings.ContainsAny(acct, " /")
}
