package social

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/store"
)

// A person's data leaves and enters Parvis in the formats Mastodon writes
// and reads, so that moving between servers works both ways:
//
//   - following_accounts.csv, blocked_accounts.csv, muted_accounts.csv: the
//     CSV files of Mastodon's "Import and export" page;
//   - the archive: a zip of actor.json, outbox.json (an OrderedCollection
//     of the Create and Announce activities of every post and boost),
//     likes.json, bookmarks.json, the attachments under
//     media_attachments/files/ (outbox.json points at them by these
//     relative paths), the avatar and header, and the three CSV files.

// Names of the files of an export.
const (
	FollowingCSVName = "following_accounts.csv"
	BlocksCSVName    = "blocked_accounts.csv"
	MutesCSVName     = "muted_accounts.csv"
	archiveMediaDir  = "media_attachments/files/"
)

// exportBatch is how many posts an archive loads at a time.
const exportBatch = 200

// ExportFollowing writes the accounts the actor follows as Mastodon's
// following_accounts.csv.
func (s *Service) ExportFollowing(ctx context.Context, actor *Actor, w io.Writer) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("export follows", s.writeFollowing(ctx, s.db.Read(), actor.Account.ID, w))
}

// ExportBlocks writes the accounts the actor blocks as Mastodon's
// blocked_accounts.csv: one address a line, no header.
func (s *Service) ExportBlocks(ctx context.Context, actor *Actor, w io.Writer) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("export blocks", s.writeBlocks(ctx, s.db.Read(), actor.Account.ID, w))
}

// ExportMutes writes the accounts the actor mutes as Mastodon's
// muted_accounts.csv.
func (s *Service) ExportMutes(ctx context.Context, actor *Actor, w io.Writer) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("export mutes", s.writeMutes(ctx, s.db.Read(), actor.Account.ID, w))
}

// address is an account's address as exports write it: always
// user@domain, local accounts with this server's domain.
func (s *Service) address(username, domain string) string {
	if domain == "" {
		domain = s.cfg.Domain
	}
	return username + "@" + domain
}

func (s *Service) writeFollowing(ctx context.Context, q store.Q, accountID int64, w io.Writer) error {
	rels, err := q.FollowingForExport(ctx, accountID)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"Account address", "Show boosts", "Notify on new posts", "Languages"})
	for _, r := range rels {
		// Parvis keeps no per-follow language filter: the column stays
		// empty, as Mastodon writes it for follows without one.
		cw.Write([]string{s.address(r.Username, r.Domain), strconv.FormatBool(r.ShowReblogs), strconv.FormatBool(r.Notify), ""})
	}
	cw.Flush()
	return cw.Error()
}

func (s *Service) writeBlocks(ctx context.Context, q store.Q, accountID int64, w io.Writer) error {
	rels, err := q.BlocksForExport(ctx, accountID)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, r := range rels {
		cw.Write([]string{s.address(r.Username, r.Domain)})
	}
	cw.Flush()
	return cw.Error()
}

func (s *Service) writeMutes(ctx context.Context, q store.Q, accountID int64, w io.Writer) error {
	rels, err := q.MutesForExport(ctx, accountID, s.now())
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"Account address", "Hide notifications"})
	for _, r := range rels {
		cw.Write([]string{s.address(r.Username, r.Domain), strconv.FormatBool(r.HideNotifications)})
	}
	cw.Flush()
	return cw.Error()
}

// ArchiveOptions tune ExportArchive.
type ArchiveOptions struct {
	// Progress, when set, is told how many of the posts are written.
	Progress func(done, total int64)
}

// ArchiveStats counts what an archive holds.
type ArchiveStats struct {
	Posts, Boosts int
	Media         int // attachment files in the archive
	MissingMedia  int // attachments whose file was not in the media store
	Likes         int
	Bookmarks     int
	Following     int
	Blocks, Mutes int
	ProfileImages int // the avatar and header files: 0, 1 or 2
}

// ExportArchive writes the actor's account as a zip archive to w: the
// profile, every post and boost with its attachments, favourites,
// bookmarks, follows, blocks and mutes (see the top of this file). All of
// it is read from one snapshot of the database, so the archive is
// consistent even while the person keeps posting. Posts removed by
// moderators are left out.
func (s *Service) ExportArchive(ctx context.Context, actor *Actor, w io.Writer, opt ArchiveOptions) (*ArchiveStats, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	stats := &ArchiveStats{}
	err := s.db.ReadSnapshot(ctx, func(q store.Q) error {
		a, err := q.AccountByID(ctx, actor.Account.ID)
		if err != nil {
			return err
		}
		ex := &archiver{s: s, q: q, zw: zw, account: a, stats: stats, progress: opt.Progress}
		return ex.run(ctx)
	})
	if err != nil {
		return nil, wrap("export archive", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("export archive: %w", err)
	}
	return stats, nil
}

// archiver writes one archive.
type archiver struct {
	s        *Service
	q        store.Q
	zw       *zip.Writer
	account  *model.Account
	stats    *ArchiveStats
	progress func(done, total int64)
	// media are the attachments to copy, in the order first met.
	media []*model.Media
	// accounts and communities cache what posts refer to.
	accounts    map[int64]*model.Account
	communities map[int64]int64 // community id → its account id
}

func (x *archiver) run(ctx context.Context) error {
	x.accounts = map[int64]*model.Account{x.account.ID: x.account}
	x.communities = map[int64]int64{}
	if err := x.writeOutbox(ctx); err != nil {
		return err
	}
	for _, m := range x.media {
		if err := x.copyMedia(ctx, m.Path, archiveMediaDir+path.Base(m.Path)); err != nil {
			if model.IsNotFound(err) {
				x.stats.MissingMedia++
				continue
			}
			return err
		}
		x.stats.Media++
	}
	likes, err := x.q.FavouritesForExport(ctx, x.account.ID)
	if err != nil {
		return err
	}
	x.stats.Likes = len(likes)
	if err := x.writeCollection("likes.json", likes); err != nil {
		return err
	}
	bookmarks, err := x.q.BookmarksForExport(ctx, x.account.ID)
	if err != nil {
		return err
	}
	x.stats.Bookmarks = len(bookmarks)
	if err := x.writeCollection("bookmarks.json", bookmarks); err != nil {
		return err
	}
	if err := x.writeActor(ctx); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(context.Context, store.Q, int64, io.Writer) error
	}{{FollowingCSVName, x.s.writeFollowing}, {BlocksCSVName, x.s.writeBlocks}, {MutesCSVName, x.s.writeMutes}} {
		w, err := x.create(f.name, zip.Deflate)
		if err != nil {
			return err
		}
		if err := f.write(ctx, x.q, x.account.ID, w); err != nil {
			return err
		}
	}
	rels, err := x.q.FollowingForExport(ctx, x.account.ID)
	if err != nil {
		return err
	}
	x.stats.Following = len(rels)
	if rels, err = x.q.BlocksForExport(ctx, x.account.ID); err != nil {
		return err
	}
	x.stats.Blocks = len(rels)
	if rels, err = x.q.MutesForExport(ctx, x.account.ID, x.s.now()); err != nil {
		return err
	}
	x.stats.Mutes = len(rels)
	return nil
}

// create adds a file to the archive. Media are stored as they are:
// images are compressed already.
func (x *archiver) create(name string, method uint16) (io.Writer, error) {
	w, err := x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: x.s.now()})
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", name, err)
	}
	return w, nil
}

// actorURI is an account's ActivityPub id.
func (s *Service) actorURI(a *model.Account) string {
	if !a.Local() {
		return a.URI
	}
	return s.BaseURL() + "/users/" + a.Username
}

// writeOutbox streams outbox.json: posts are read and written a batch at
// a time, so an account of any size fits in memory.
func (x *archiver) writeOutbox(ctx context.Context) error {
	total, err := x.q.CountPostsForExport(ctx, x.account.ID)
	if err != nil {
		return err
	}
	ldContext, err := archiveContext()
	if err != nil {
		return err
	}
	zf, err := x.create("outbox.json", zip.Deflate)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(zf, 64<<10)
	// totalItems comes after the items, when their number is known: a
	// boost of a post deleted since is left out.
	fmt.Fprintf(w, `{"@context":%s,"id":"outbox.json","type":"OrderedCollection","orderedItems":[`+"\n", ldContext)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var after, done, read int64
	for {
		posts, err := x.q.PostsForExport(ctx, x.account.ID, after, exportBatch)
		if err != nil {
			return err
		}
		if len(posts) == 0 {
			break
		}
		items, err := x.activities(ctx, posts)
		if err != nil {
			return err
		}
		for _, it := range items {
			if done > 0 {
				w.WriteByte(',')
			}
			if err := enc.Encode(it); err != nil {
				return fmt.Errorf("encode %s: %w", it.ID, err)
			}
			done++
		}
		after = posts[len(posts)-1].ID
		read += int64(len(posts))
		if x.progress != nil {
			x.progress(read, total)
		}
	}
	fmt.Fprintf(w, "],\"totalItems\":%d}\n", done)
	return w.Flush()
}

// archiveContext returns the @context of outbox.json. Encode computes a
// document's context from the terms its objects use, but the outbox is
// streamed, item by item; its context is computed once, from a sample
// item that uses every extension term an archived post can.
func archiveContext() (json.RawMessage, error) {
	note := &ap.Object{Type: ap.TypeNote, Sensitive: true,
		Tag:        ap.Refs{{Object: &ap.Object{Type: ap.TypeHashtag}}},
		Attachment: ap.Refs{{Object: &ap.Object{Type: ap.TypeDocument, Blurhash: "x", FocalPoint: []float64{0, 0}}}}}
	doc, err := ap.Encode(&ap.Object{Type: ap.TypeOrderedCollection,
		OrderedItems: ap.Refs{{Object: &ap.Object{Type: ap.TypeCreate, Object: ap.Refs{{Object: note}}}}}})
	if err != nil {
		return nil, err
	}
	var head struct {
		Context json.RawMessage `json:"@context"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return nil, fmt.Errorf("archive context: %w", err)
	}
	return head.Context, nil
}

// activities builds the Create (post) or Announce (boost) of each post of
// a batch, loading what they refer to in a few queries.
func (x *archiver) activities(ctx context.Context, posts []*model.Post) ([]*ap.Object, error) {
	ids := make([]int64, 0, len(posts))
	var related []int64 // parents and boosted posts
	for _, p := range posts {
		ids = append(ids, p.ID)
		if p.ReblogOfID != 0 {
			related = append(related, p.ReblogOfID)
		} else if p.InReplyToID != 0 {
			related = append(related, p.InReplyToID)
		}
	}
	others, err := x.q.PostsByIDs(ctx, related)
	if err != nil {
		return nil, err
	}
	mentions, err := x.q.MentionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags, err := x.q.TagsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	media, err := x.q.MediaOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var want []int64
	for _, o := range others {
		want = append(want, o.AccountID)
	}
	for _, ms := range mentions {
		want = append(want, ms...)
	}
	for _, p := range posts {
		if p.CommunityID != 0 {
			if _, ok := x.communities[p.CommunityID]; !ok {
				c, err := x.q.CommunityByID(ctx, p.CommunityID)
				if err != nil && !model.IsNotFound(err) {
					return nil, err
				}
				if c != nil {
					x.communities[p.CommunityID] = c.AccountID
				}
			}
			want = append(want, x.communities[p.CommunityID])
		}
	}
	if err := x.loadAccounts(ctx, want); err != nil {
		return nil, err
	}

	out := make([]*ap.Object, 0, len(posts))
	for _, p := range posts {
		if p.ReblogOfID != 0 {
			orig := others[p.ReblogOfID]
			if orig == nil || x.accounts[orig.AccountID] == nil {
				continue // the boosted post is gone: nothing to point at
			}
			origAuthor := x.accounts[orig.AccountID]
			to, cc := addressing(p.Visibility, x.followers(), []string{x.s.actorURI(origAuthor)})
			out = append(out, &ap.Object{ID: x.s.PostURI(p, x.account) + "/activity", Type: ap.TypeAnnounce,
				Actor: ap.Ref{ID: x.s.actorURI(x.account)}, Object: ap.Refs{{ID: x.s.PostURI(orig, origAuthor)}},
				To: to, Cc: cc, Published: p.CreatedAt.UTC()})
			x.stats.Boosts++
			continue
		}
		note := x.note(p, others[p.InReplyToID], mentions[p.ID], tags[p.ID], media[p.ID])
		out = append(out, &ap.Object{ID: note.ID + "/activity", Type: ap.TypeCreate,
			Actor: ap.Ref{ID: x.s.actorURI(x.account)}, Object: ap.Refs{{ID: note.ID, Object: note}},
			To: note.To, Cc: note.Cc, Published: note.Published})
		x.stats.Posts++
	}
	return out, nil
}

// loadAccounts caches the accounts of ids not loaded yet.
func (x *archiver) loadAccounts(ctx context.Context, ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := x.accounts[id]; !ok && id != 0 {
			missing = append(missing, id)
			x.accounts[id] = nil // asked once, even if gone
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := x.q.AccountsByIDs(ctx, missing)
	if err != nil {
		return err
	}
	for id, a := range found {
		x.accounts[id] = a
	}
	return nil
}

func (x *archiver) followers() string { return x.s.actorURI(x.account) + "/followers" }

// note builds a post's Note the way federation sends it, but with its
// attachments pointing into the archive.
func (x *archiver) note(p, parent *model.Post, mentionIDs []int64, tags []string, media []*model.Media) *ap.Object {
	var named []string
	var tagRefs ap.Refs
	for _, id := range mentionIDs {
		m := x.accounts[id]
		if m == nil {
			continue
		}
		uri := x.s.actorURI(m)
		named = append(named, uri)
		tagRefs = append(tagRefs, ap.Ref{Object: &ap.Object{Type: ap.TypeMention, Href: uri,
			Name: "@" + x.s.address(m.Username, m.Domain)}})
	}
	var parentAuthor, group *model.Account
	if parent != nil {
		parentAuthor = x.accounts[parent.AccountID]
	}
	if p.CommunityID != 0 {
		group = x.accounts[x.communities[p.CommunityID]]
	}
	if p.Visibility != model.Direct {
		if parentAuthor != nil && parentAuthor.ID != x.account.ID {
			named = append(named, x.s.actorURI(parentAuthor))
		}
		if group != nil {
			named = append(named, x.s.actorURI(group))
		}
	}
	for _, t := range tags {
		tagRefs = append(tagRefs, ap.Ref{Object: &ap.Object{Type: ap.TypeHashtag, Href: x.s.BaseURL() + "/tags/" + t, Name: "#" + t}})
	}
	to, cc := addressing(p.Visibility, x.followers(), named)
	o := &ap.Object{ID: x.s.PostURI(p, x.account), Type: ap.TypeNote, AttributedTo: ap.Refs{{ID: x.s.actorURI(x.account)}},
		URL: ap.Refs{{ID: x.s.PostURL(p, x.account)}}, Content: p.Content, Summary: p.SpoilerText, Sensitive: p.Sensitive,
		Published: p.CreatedAt.UTC(), To: to, Cc: cc, Tag: tagRefs}
	if !p.EditedAt.IsZero() {
		o.Updated = p.EditedAt.UTC()
	}
	if p.Language != "" && p.Content != "" {
		o.ContentMap = map[string]string{p.Language: p.Content}
	}
	if parent != nil && parentAuthor != nil {
		o.InReplyTo = ap.Ref{ID: x.s.PostURI(parent, parentAuthor)}
	}
	if group != nil {
		o.Audience = ap.Ref{ID: x.s.actorURI(group)}
	}
	for _, m := range media {
		u := m.RemoteURL
		if m.Path != "" {
			u = archiveMediaDir + path.Base(m.Path)
			x.media = append(x.media, m)
		}
		if u == "" {
			continue
		}
		att := &ap.Object{Type: ap.TypeDocument, MediaType: m.MIME, URL: ap.Refs{{ID: u}}, Name: m.Description,
			Blurhash: m.Blurhash, Width: m.Width, Height: m.Height}
		if m.FocusX != 0 || m.FocusY != 0 {
			att.FocalPoint = []float64{m.FocusX, m.FocusY}
		}
		o.Attachment = append(o.Attachment, ap.Ref{Object: att})
	}
	return o
}

// addressing returns the to and cc of a post of visibility vis, as
// Mastodon writes them.
func addressing(vis model.Visibility, followers string, named []string) (to, cc ap.Refs) {
	refs := func(ids ...string) ap.Refs {
		out := make(ap.Refs, 0, len(ids))
		for _, id := range ids {
			if id != "" && !out.Has(id) {
				out = append(out, ap.Ref{ID: id})
			}
		}
		return out
	}
	switch vis {
	case model.Public:
		return refs(ap.Public), refs(append([]string{followers}, named...)...)
	case model.Unlisted:
		return refs(followers), refs(append([]string{ap.Public}, named...)...)
	case model.Private:
		return refs(followers), refs(named...)
	}
	return refs(named...), nil
}

// copyMedia copies a file of the media store into the archive; a file
// missing from the store is an ENOTFOUND error, and adds nothing.
func (x *archiver) copyMedia(ctx context.Context, key, name string) error {
	if x.s.media == nil {
		return model.Errorf(model.ENOTFOUND, "no media store")
	}
	r, err := x.s.media.Open(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := x.create(name, zip.Store)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("copy %s into the archive: %w", key, err)
	}
	return nil
}

// writeCollection writes likes.json or bookmarks.json: an
// OrderedCollection of the posts' ids.
func (x *archiver) writeCollection(name string, posts []store.ExportedPost) error {
	items := make(ap.Refs, 0, len(posts))
	for _, p := range posts {
		uri := p.URI
		if uri == "" {
			uri = x.s.PostURI(&model.Post{ID: p.ID}, &model.Account{Username: p.AuthorUsername})
		}
		items = append(items, ap.Ref{ID: uri})
	}
	n := len(items)
	doc, err := ap.Encode(&ap.Object{ID: name, Type: ap.TypeOrderedCollection, TotalItems: &n, OrderedItems: items})
	if err != nil {
		return err
	}
	w, err := x.create(name, zip.Deflate)
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// writeActor writes actor.json and the avatar and header it points at.
func (x *archiver) writeActor(ctx context.Context) error {
	a := x.account
	uri := x.s.actorURI(a)
	o := &ap.Object{ID: uri, Type: ap.TypePerson, PreferredUsername: a.Username, Name: a.DisplayName,
		Summary: a.NoteHTML, URL: ap.Refs{{ID: x.s.ProfileURL(a)}}, Inbox: ap.Ref{ID: uri + "/inbox"},
		Outbox: ap.Ref{ID: "outbox.json"}, Likes: ap.Ref{ID: "likes.json"}, Followers: ap.Ref{ID: uri + "/followers"},
		Following: ap.Ref{ID: uri + "/following"}, ManuallyApprovesFollowers: a.Locked, Discoverable: a.Discoverable,
		Published: a.CreatedAt.UTC()}
	switch {
	case a.Group:
		o.Type = ap.TypeGroup
	case a.Bot:
		o.Type = ap.TypeService
	}
	if a.PublicKeyPEM != "" {
		o.PublicKey = &ap.PublicKey{ID: uri + "#main-key", Owner: uri, PublicKeyPem: a.PublicKeyPEM}
	}
	for _, f := range a.Fields {
		o.Attachment = append(o.Attachment, ap.Ref{Object: &ap.Object{Type: ap.TypePropertyValue, Name: f.Name,
			Value: html.EscapeString(f.Value)}})
	}
	for _, img := range []struct {
		key, name string
		ref       *ap.Ref
	}{{a.AvatarPath, "avatar", &o.Icon}, {a.HeaderPath, "header", &o.Image}} {
		if img.key == "" {
			continue
		}
		name := img.name + path.Ext(img.key)
		err := x.copyMedia(ctx, img.key, name)
		if model.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		x.stats.ProfileImages++
		*img.ref = ap.Ref{Object: &ap.Object{Type: ap.TypeImage, URL: ap.Refs{{ID: name}}}}
	}
	doc, err := ap.Encode(o)
	if err != nil {
		return err
	}
	w, err := x.create("actor.json", zip.Deflate)
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// Import limits. They are Mastodon's: a follows list of a real person fits
// many times over.
const (
	// MaxImportBytes is the largest file ImportFollows reads (20 MiB).
	MaxImportBytes = 20 << 20
	// MaxImportRows is the most lines ImportFollows imports; lines after
	// it are counted as ignored.
	MaxImportRows = 20_000
	// maxImportLine bounds one line: an address is at most a few hundred
	// bytes, and a line far longer is not one.
	maxImportLine = 2048
)

// ImportStatus is what became of one line of an import.
type ImportStatus string

// Import statuses.
const (
	ImportFollowed  ImportStatus = "followed"
	ImportRequested ImportStatus = "requested" // the account approves followers, or lives on another server
	ImportAlready   ImportStatus = "already followed"
	ImportNotFound  ImportStatus = "not found"
	ImportInvalid   ImportStatus = "invalid" // the line is not an account address
	ImportFailed    ImportStatus = "failed"  // the follow was refused (a block, yourself...)
	ImportSkipped   ImportStatus = "skipped" // a duplicate, or the follow limit was reached
)

// ImportLine reports one line of an import.
type ImportLine struct {
	Line    int // 1-based, in the file
	Address string
	Status  ImportStatus
	Message string // why, for statuses other than followed and requested
}

// ImportReport is the outcome of an import, line by line.
type ImportReport struct {
	Lines []ImportLine
	// Ignored counts the lines after MaxImportRows, which were not read.
	Ignored int
}

// Count returns how many lines ended with status st.
func (r *ImportReport) Count(st ImportStatus) int {
	n := 0
	for _, l := range r.Lines {
		if l.Status == st {
			n++
		}
	}
	return n
}

// Summary is one line of counts, such as "3 followed, 1 not found".
func (r *ImportReport) Summary() string {
	var parts []string
	for _, st := range []ImportStatus{ImportFollowed, ImportRequested, ImportAlready, ImportNotFound, ImportInvalid,
		ImportFailed, ImportSkipped} {
		if n := r.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if r.Ignored > 0 {
		parts = append(parts, fmt.Sprintf("%d lines over the limit of %d ignored", r.Ignored, MaxImportRows))
	}
	if len(parts) == 0 {
		return "nothing to import"
	}
	return strings.Join(parts, ", ")
}

// ResolveRemote finds an account on another server that this server has
// never seen (a WebFinger lookup, then a fetch of its actor), and stores
// it. It returns an ENOTFOUND error when there is no such account.
type ResolveRemote func(ctx context.Context, username, domain string) (*model.Account, error)

// ImportOptions tune ImportFollowsWith.
type ImportOptions struct {
	// Resolve looks up remote accounts this server does not know yet.
	// Federation provides it; without it such addresses are reported as
	// not found.
	Resolve ResolveRemote
	// Progress, when set, is told how many lines of how many are done.
	Progress func(done, total int64)
}

// ImportFollows follows, for the actor, the accounts listed in a follows
// CSV file exported by Mastodon or Parvis; see ImportFollowsWith.
func (s *Service) ImportFollows(ctx context.Context, actor *Actor, r io.Reader) (*ImportReport, error) {
	return s.ImportFollowsWith(ctx, actor, r, ImportOptions{})
}

// importLine is a line of an import file, parsed.
type importLine struct {
	number      int
	address     string
	showReblogs *bool
	notify      *bool
	err         string // why the line is invalid
}

// ImportFollowsWith follows, for the actor, the accounts listed in a
// follows CSV file. It reads every form Mastodon wrote over the years: one
// address a line without header, or a header starting "Account address"
// with any of the columns "Show boosts", "Notify on new posts" and
// "Languages" (ignored), in any order, extra columns ignored. Local
// accounts are followed; accounts of other servers get a follow request
// through federation when this server knows them, and are reported as not
// found otherwise (unless opt.Resolve finds them).
//
// The file may hold at most MaxImportBytes and MaxImportRows lines. A file
// that is not text (binary, not UTF-8), too large, or another export (mutes,
// blocks of domains, lists) is refused whole with an EINVALID error; a bad
// line is reported on its own and the others are imported. The follow
// rate limit applies: once reached, the remaining lines are reported as
// skipped.
func (s *Service) ImportFollowsWith(ctx context.Context, actor *Actor, r io.Reader, opt ImportOptions) (*ImportReport, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	lines, ignored, err := parseFollowsCSV(r)
	if err != nil {
		return nil, err
	}
	report := &ImportReport{Ignored: ignored}
	seen := map[string]int{}
	limited := ""
	total := int64(len(lines))
	for i, l := range lines {
		if err := ctx.Err(); err != nil {
			return report, err
		}
		out := ImportLine{Line: l.number, Address: l.address}
		key := s.accountKey(l.address)
		switch first, dup := seen[key]; {
		case l.err != "":
			out.Status, out.Message = ImportInvalid, l.err
		case dup:
			out.Status, out.Message = ImportSkipped, fmt.Sprintf("the same address as line %d", first)
		case limited != "":
			out.Status, out.Message = ImportSkipped, limited
		default:
			seen[key] = l.number
			out.Status, out.Message, err = s.importFollow(ctx, actor, l, opt.Resolve)
			if err != nil {
				return report, wrap("import follows", err)
			}
			if out.Status == ImportSkipped {
				limited = out.Message
			}
		}
		report.Lines = append(report.Lines, out)
		if opt.Progress != nil {
			opt.Progress(int64(i+1), total)
		}
	}
	return report, nil
}

// accountKey is the form of an address under which two addresses of the
// same account compare equal: "bob" and "BOB@this.server" are one.
func (s *Service) accountKey(address string) string {
	user, domain, _ := strings.Cut(strings.ToLower(address), "@")
	if domain == strings.ToLower(s.cfg.Domain) {
		domain = ""
	}
	return user + "@" + domain
}

// importFollow follows the account of one line. Refusals the person can
// understand (a block, a limit) come back as a status and a message; only
// failures of the server are errors.
func (s *Service) importFollow(ctx context.Context, actor *Actor, l importLine, resolve ResolveRemote) (ImportStatus, string, error) {
	user, domain, _ := strings.Cut(l.address, "@")
	if strings.EqualFold(domain, s.cfg.Domain) {
		domain = ""
	}
	target, err := s.db.Read().AccountByUsername(ctx, user, domain)
	if model.IsNotFound(err) && domain != "" && resolve != nil {
		target, err = resolve(ctx, user, domain)
	}
	switch {
	case model.IsNotFound(err) && domain == "":
		return ImportNotFound, "there is no account of that name on this server", nil
	case model.IsNotFound(err):
		return ImportNotFound, "this server does not know this account yet: look it up once (search or profile), then import again", nil
	case err != nil:
		return "", "", err
	}
	if target.Suspended() {
		return ImportNotFound, "this account is suspended", nil
	}
	if target.ID == actor.Account.ID {
		return ImportFailed, "that is you", nil
	}
	before, err := s.Relationship(ctx, actor, target.ID)
	if err != nil {
		return "", "", err
	}
	changes := (l.showReblogs != nil && *l.showReblogs != before.ShowingReblogs) ||
		(l.notify != nil && *l.notify != before.Notifying)
	if before.Following && !changes {
		return ImportAlready, "", nil
	}
	if before.Requested {
		return ImportRequested, "already requested", nil
	}
	rel, err := s.Follow(ctx, actor, target.ID, FollowOptions{ShowReblogs: l.showReblogs, Notify: l.notify})
	switch code := model.ErrorCode(err); {
	case code == model.ERATELIMIT:
		return ImportSkipped, "the follow limit is reached: " + model.ErrorMessage(err), nil
	case err != nil && code != model.EINTERNAL:
		return ImportFailed, model.ErrorMessage(err), nil
	case err != nil:
		return "", "", err
	case before.Following:
		return ImportAlready, "options updated", nil
	case rel != nil && rel.Following:
		return ImportFollowed, "", nil
	}
	return ImportRequested, "", nil
}

// parseFollowsCSV reads a follows file into lines, after checking it is one.
func parseFollowsCSV(r io.Reader) ([]importLine, int, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read the import file: %w", err)
	}
	if len(data) > MaxImportBytes {
		return nil, 0, model.Errorf(model.ETOOLARGE, "the file is larger than %d MB, the most an import reads", MaxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // the byte-order mark spreadsheets write
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return nil, 0, model.Errorf(model.EINVALID, "this file is UTF-16 text: save it as CSV in UTF-8")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, 0, model.Errorf(model.EINVALID, "this is not a CSV file: it holds binary data (a zero byte at offset %d)", i)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, 0, model.Errorf(model.EINVALID, "the file is empty")
	}

	var (
		out      []importLine
		ignored  int
		header   map[string]int // column of each known header, lowercased
		sawFirst bool
	)
	number := 0
	for len(data) > 0 {
		number++
		raw := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		raw = bytes.TrimRight(raw, "\r")
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		if !sawFirst {
			sawFirst = true
			h, err := readHeader(raw)
			if err != nil {
				return nil, 0, err
			}
			if h != nil {
				header = h
				continue
			}
		}
		if len(out) >= MaxImportRows {
			ignored++
			continue
		}
		out = append(out, parseImportLine(number, raw, header))
	}
	return out, ignored, nil
}

// readHeader returns the columns of a header line, nil when the line is
// data, or an error when it is the header of another kind of export. A
// header is a line with an "Account address" column, wherever it is.
func readHeader(raw []byte) (map[string]int, error) {
	fields, err := splitCSVLine(raw)
	if err != nil || len(fields) == 0 {
		return nil, nil
	}
	cols := map[string]int{}
	for i, f := range fields {
		name := strings.ToLower(strings.TrimSpace(f))
		if _, dup := cols[name]; !dup {
			cols[name] = i
		}
	}
	switch {
	case strings.EqualFold(strings.TrimSpace(fields[0]), "#domain"):
		return nil, model.Errorf(model.EINVALID, "this is a list of blocked domains, not of follows")
	case strings.EqualFold(strings.TrimSpace(fields[0]), "#uri"):
		return nil, model.Errorf(model.EINVALID, "this is a list of bookmarks, not of follows")
	case strings.EqualFold(strings.TrimSpace(fields[0]), "list name"):
		return nil, model.Errorf(model.EINVALID, "this is an export of lists, not of follows")
	}
	if _, ok := cols["account address"]; !ok {
		return nil, nil
	}
	if _, ok := cols["hide notifications"]; ok {
		return nil, model.Errorf(model.EINVALID, "this is a list of muted accounts, not of follows")
	}
	return cols, nil
}

// splitCSVLine parses one CSV line. Lines are parsed one by one, not as
// one CSV stream, so that a stray quote spoils its own line only, and line
// numbers are those an editor shows.
func splitCSVLine(raw []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.FieldsPerRecord = -1
	return cr.Read()
}

// parseImportLine reads one data line, given the header's columns (nil
// without a header: the address alone, as the oldest exports hold).
func parseImportLine(number int, raw []byte, header map[string]int) importLine {
	l := importLine{number: number}
	if len(raw) > maxImportLine {
		l.address = string(raw[:40]) + "…"
		l.err = fmt.Sprintf("the line is longer than %d bytes", maxImportLine)
		return l
	}
	if !utf8.Valid(raw) {
		l.address = strings.ToValidUTF8(string(raw), "�")
		l.err = "the line is not valid UTF-8 text"
		return l
	}
	fields, err := splitCSVLine(raw)
	if err != nil {
		l.address = string(raw)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		l.err = "malformed CSV: " + err.Error()
		return l
	}
	col := func(name string, def int) (string, bool) {
		i := def
		if header != nil {
			var ok bool
			if i, ok = header[name]; !ok {
				return "", false
			}
		}
		if i < 0 || i >= len(fields) {
			return "", false
		}
		return strings.TrimSpace(fields[i]), true
	}
	addr, _ := col("account address", 0)
	l.address = strings.TrimPrefix(addr, "@")
	if msg := checkAddress(l.address); msg != "" {
		l.err = msg
		return l
	}
	for _, b := range []struct {
		name string
		dst  **bool
	}{{"show boosts", &l.showReblogs}, {"notify on new posts", &l.notify}} {
		if header == nil {
			break
		}
		v, ok := col(b.name, -1)
		if !ok || v == "" {
			continue
		}
		parsed, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			l.err = fmt.Sprintf("%q is neither true nor false", v)
			return l
		}
		*b.dst = &parsed
	}
	return l
}

// checkAddress returns why addr is not an account address ("user" or
// "user@domain"), or "" when it is one.
func checkAddress(addr string) string {
	if addr == "" {
		return "the line has no account address"
	}
	if len(addr) > 320 {
		return "the address is too long"
	}
	user, domain, remote := strings.Cut(addr, "@")
	if user == "" || (remote && domain == "") || strings.Contains(domain, "@") {
		return "not an account address (want user@domain)"
	}
	for _, c := range user {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "not an account address (want user@domain)"
		}
	}
	for _, c := range domain {
		if c <= ' ' || strings.ContainsRune("/\\?#,;\"'<>", c) {
			return "not an account address (want user@domain)"
		}
	}
	return ""
}
