package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parvis/internal/model"
)

// RemoteActor is what federation keeps about a remote account beyond its
// account row.
type RemoteActor struct {
	AccountID   int64
	KeyID       string
	Type        string
	Outbox      string
	Following   string
	Featured    string
	AvatarURL   string
	HeaderURL   string
	MovedTo     string
	AlsoKnownAs []string
	FetchedAt   time.Time
}

// UpsertRemoteAccount creates or refreshes a remote account, found by its
// ActivityPub id (a.URI), and its federation details. It fills in a.ID.
// Counters, suspension and creation time of an existing row are kept. A
// username already used on the domain by another actor is ECONFLICT.
func (tx *Tx) UpsertRemoteAccount(ctx context.Context, a *model.Account, ra *RemoteActor) error {
	if a.URI == "" || a.Domain == "" {
		return fmt.Errorf("upsert remote account: no id or domain")
	}
	now := tx.db.clock.Now()
	fields, err := json.Marshal(a.Fields)
	if err != nil || a.Fields == nil {
		fields = []byte("[]")
	}
	var id int64
	err = tx.tx.QueryRowContext(ctx, "SELECT id FROM accounts WHERE uri = $1", a.URI).Scan(&id)
	switch {
	case err == nil:
		a.ID = id
		_, err = tx.tx.ExecContext(ctx, `UPDATE accounts SET username = $1, domain = $2, display_name = $3, note = $4,
			note_html = $5, locked = $6, bot = $7, is_group = $8, discoverable = $9, url = $10, inbox = $11,
			shared_inbox = $12, followers_url = $13, public_key = $14, fields = $15, updated_at = $16, fetched_at = $16
			WHERE id = $17`,
			a.Username, strings.ToLower(a.Domain), a.DisplayName, a.Note, a.NoteHTML, a.Locked, a.Bot, a.Group,
			a.Discoverable, a.URL, a.Inbox, a.SharedInbox, a.FollowersURL, a.PublicKeyPEM, string(fields), ms(now), id)
		if isUniqueViolation(err) {
			return model.Errorf(model.ECONFLICT, "the username %s@%s belongs to another actor", a.Username, a.Domain)
		}
		if err != nil {
			return fmt.Errorf("update remote account: %w", err)
		}
	case isNoRows(err):
		a.ID = tx.db.NewID(now)
		a.CreatedAt, a.UpdatedAt = now, now
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO accounts (id, username, domain, display_name, note, note_html,
			locked, bot, is_group, discoverable, uri, url, inbox, shared_inbox, followers_url, public_key, fields,
			created_at, updated_at, fetched_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $18)`,
			a.ID, a.Username, strings.ToLower(a.Domain), a.DisplayName, a.Note, a.NoteHTML, a.Locked, a.Bot, a.Group,
			a.Discoverable, a.URI, a.URL, a.Inbox, a.SharedInbox, a.FollowersURL, a.PublicKeyPEM, string(fields), ms(now))
		if isUniqueViolation(err) {
			return model.Errorf(model.ECONFLICT, "the username %s@%s belongs to another actor", a.Username, a.Domain)
		}
		if err != nil {
			return fmt.Errorf("insert remote account: %w", err)
		}
	default:
		return fmt.Errorf("find remote account: %w", err)
	}
	if ra == nil {
		return nil
	}
	ra.AccountID = a.ID
	aka, _ := json.Marshal(ra.AlsoKnownAs)
	if ra.AlsoKnownAs == nil {
		aka = []byte("[]")
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO federation_actors (account_id, key_id, actor_type, outbox, following,
		featured, avatar_url, header_url, moved_to, also_known_as, fetched_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, actor_type = excluded.actor_type,
		outbox = excluded.outbox, following = excluded.following, featured = excluded.featured,
		avatar_url = excluded.avatar_url, header_url = excluded.header_url, moved_to = excluded.moved_to,
		also_known_as = excluded.also_known_as, fetched_at = excluded.fetched_at`,
		a.ID, ra.KeyID, ra.Type, ra.Outbox, ra.Following, ra.Featured, ra.AvatarURL, ra.HeaderURL, ra.MovedTo,
		string(aka), ms(now))
	if err != nil {
		return fmt.Errorf("store remote actor: %w", err)
	}
	ra.FetchedAt = now
	return nil
}

// AccountByURI finds a remote account by its ActivityPub id.
func (q Q) AccountByURI(ctx context.Context, uri string) (*model.Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts a WHERE a.uri = $1", uri))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// AccountByKeyID finds the remote account whose public key has the id
// keyID.
func (q Q) AccountByKeyID(ctx context.Context, keyID string) (*model.Account, error) {
	a, err := scanAccount(q.q.QueryRowContext(ctx, "SELECT "+accountColumns+
		" FROM accounts a JOIN federation_actors f ON f.account_id = a.id WHERE f.key_id = $1", keyID))
	if err != nil {
		return nil, notFound(err, "account")
	}
	return a, nil
}

// RemoteActorOf returns the federation details of a remote account.
func (q Q) RemoteActorOf(ctx context.Context, accountID int64) (*RemoteActor, error) {
	var ra RemoteActor
	var aka string
	var fetched int64
	err := q.q.QueryRowContext(ctx, `SELECT account_id, key_id, actor_type, outbox, following, featured, avatar_url,
		header_url, moved_to, also_known_as, fetched_at FROM federation_actors WHERE account_id = $1`, accountID).
		Scan(&ra.AccountID, &ra.KeyID, &ra.Type, &ra.Outbox, &ra.Following, &ra.Featured, &ra.AvatarURL, &ra.HeaderURL,
			&ra.MovedTo, &aka, &fetched)
	if err != nil {
		return nil, notFound(err, "remote actor")
	}
	ra.FetchedAt = fromMS(fetched)
	if aka != "" && aka != "[]" {
		if err := json.Unmarshal([]byte(aka), &ra.AlsoKnownAs); err != nil {
			return nil, fmt.Errorf("decode also_known_as of account %d: %w", accountID, err)
		}
	}
	return &ra, nil
}

// SetMovedTo records that a remote account moved to the actor newURI.
func (tx *Tx) SetMovedTo(ctx context.Context, accountID int64, newURI string) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE federation_actors SET moved_to = $1 WHERE account_id = $2", newURI, accountID)
	if err != nil {
		return fmt.Errorf("record move: %w", err)
	}
	return nil
}

// SuspendAccount marks an account suspended (a remote actor that deleted
// itself, or one of a suspended domain).
func (tx *Tx) SuspendAccount(ctx context.Context, accountID int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, "UPDATE accounts SET suspended_at = $1 WHERE id = $2 AND suspended_at = 0", ms(at), accountID)
	if err != nil {
		return fmt.Errorf("suspend account: %w", err)
	}
	return nil
}

// RemoteAccountIDsOn lists the remote accounts of a domain and of its
// subdomains.
func (q Q) RemoteAccountIDsOn(ctx context.Context, domain string) ([]int64, error) {
	d := strings.ToLower(domain)
	suffix := "." + d
	// A suffix comparison rather than LIKE: SQLite's LIKE has no escape
	// character by default, and a domain is matched literally.
	return q.queryIDs(ctx, `SELECT id FROM accounts WHERE domain = $1
		OR (length(domain) > $3 AND substr(domain, length(domain) - $3 + 1) = $2)`, d, suffix, len(suffix))
}

// isNoRows reports whether err says a query found no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
