package federation

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// domainCache keeps the domain blocks in memory for a few seconds: every
// inbound request and delivery checks them, and an admin's new block
// takes effect within the ttl on every node.
type domainCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	loaded  time.Time
	entries map[string]string // domain -> severity
}

func newDomainCache(ttl time.Duration) *domainCache {
	return &domainCache{ttl: ttl}
}

// severity returns the severity of the block that applies to host (or to
// one of its parent domains), or "".
func (f *Federation) severity(ctx context.Context, host string) string {
	c := f.domains
	c.mu.Lock()
	defer c.mu.Unlock()
	now := f.now()
	if c.entries == nil || now.Sub(c.loaded) > c.ttl {
		bs, err := f.db.Read().DomainBlocks(ctx)
		if err != nil {
			f.log.Warn("federation: load domain blocks", "err", err)
			if c.entries == nil {
				return ""
			}
		} else {
			c.entries = make(map[string]string, len(bs))
			for _, b := range bs {
				c.entries[b.Domain] = b.Severity
			}
			c.loaded = now
		}
	}
	if len(c.entries) == 0 {
		return ""
	}
	h := strings.ToLower(host)
	if s, ok := c.entries[h]; ok {
		return s
	}
	// A block of example.com covers a.example.com, with or without a port.
	name := h
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.HasSuffix(h, "]") {
		name = h[:i]
		if s, ok := c.entries[name]; ok {
			return s
		}
	}
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return ""
		}
		name = name[i+1:]
		if s, ok := c.entries[name]; ok {
			return s
		}
	}
}

// blocked reports whether host is suspended: nothing goes to it or comes
// from it.
func (f *Federation) blocked(ctx context.Context, host string) bool {
	return f.severity(ctx, host) == store.DomainSuspend
}

// silenced reports whether host is silenced.
func (f *Federation) silenced(ctx context.Context, host string) bool {
	return f.severity(ctx, host) == store.DomainSilence
}

// DomainCommand runs "parvis admin domain block|unblock|list" on svc's
// database, as the command line's trusted admin, writing what it did to
// out. A running server applies a change within seconds.
func DomainCommand(ctx context.Context, svc *social.Service, args []string, out io.Writer) error {
	const usage = "usage: parvis admin domain block DOMAIN [--silence] [--reason TEXT] | unblock DOMAIN | list"
	// The command line is trusted like an admin; no account is recorded
	// as the block's author.
	admin := &social.Actor{User: &model.User{Role: model.RoleAdmin}, Account: &model.Account{}}
	if len(args) == 0 {
		return model.Errorf(model.EINVALID, "%s", usage)
	}
	switch args[0] {
	case "list":
		bs, err := svc.DomainBlocks(ctx, admin)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DOMAIN\tSEVERITY\tSINCE\tREASON")
		for _, b := range bs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.Domain, b.Severity, b.CreatedAt.Format("2006-01-02"), b.Reason)
		}
		return tw.Flush()
	case "block":
		in := social.DomainBlockInput{Severity: store.DomainSuspend}
		for i := 1; i < len(args); i++ {
			switch a := args[i]; {
			case a == "--silence":
				in.Severity = store.DomainSilence
			case a == "--reason" && i+1 < len(args):
				in.Reason = args[i+1]
				i++
			case strings.HasPrefix(a, "--reason="):
				in.Reason = strings.TrimPrefix(a, "--reason=")
			case strings.HasPrefix(a, "-"):
				return model.Errorf(model.EINVALID, "unknown flag %q; %s", a, usage)
			case in.Domain == "":
				in.Domain = a
			default:
				return model.Errorf(model.EINVALID, "%s", usage)
			}
		}
		b, err := svc.BlockDomain(ctx, admin, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %s\n", b.Domain, b.Severity)
		return nil
	case "unblock":
		if len(args) != 2 {
			return model.Errorf(model.EINVALID, "%s", usage)
		}
		if err := svc.UnblockDomain(ctx, admin, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: unblocked\n", strings.ToLower(args[1]))
		return nil
	}
	return model.Errorf(model.EINVALID, "%s", usage)
}
