package api

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

// verifyCredentials shows the person their own account, with what they
// typed (GET /api/v1/accounts/verify_credentials).
func (h *Handler) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	out, err := h.credentialAccount(r.Context(), a, a.Account)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, out)
}

// updateCredentials changes the person's profile and posting defaults
// (PATCH /api/v1/accounts/update_credentials). Pictures come as multipart
// files, or as data: URIs, which some libraries send.
func (h *Handler) updateCredentials(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	in := social.CredentialsInput{DisplayName: f.optStr("display_name"), Note: f.optStr("note"),
		Privacy: f.optStr("source[privacy]"), Language: f.optStr("source[language]")}
	var err error
	for key, dst := range map[string]**bool{"locked": &in.Locked, "bot": &in.Bot, "discoverable": &in.Discoverable,
		"source[sensitive]": &in.Sensitive} {
		if *dst, err = f.boolean(key); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if fields, given := profileFields(f); given {
		in.Fields = &fields
	}
	for key, dst := range map[string]*io.Reader{"avatar": &in.Avatar, "header": &in.Header} {
		pic, err := f.picture(key)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if pic != nil {
			defer pic.Close()
			*dst = pic
		}
	}
	acc, err := h.svc.UpdateCredentials(r.Context(), actor(r), in)
	if err != nil {
		h.fail(w, r, uploadError(err))
		return
	}
	out, err := h.credentialAccount(r.Context(), actor(r), acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, out)
}

// profileFields reads fields_attributes, indexed ("fields_attributes[0][name]",
// as forms and flattened JSON name them) or as parallel lists
// ("fields_attributes[][name]").
func profileFields(f *form) ([]model.Field, bool) {
	var out []model.Field
	given := false
	for i := 0; i < 16; i++ {
		idx := "fields_attributes[" + itoa(i) + "]"
		name, value := f.optStr(idx+"[name]"), f.optStr(idx+"[value]")
		if name == nil && value == nil {
			continue
		}
		given = true
		fl := model.Field{}
		if name != nil {
			fl.Name = *name
		}
		if value != nil {
			fl.Value = *value
		}
		out = append(out, fl)
	}
	names, values := f.v["fields_attributes[][name]"], f.v["fields_attributes[][value]"]
	for i := 0; i < max(len(names), len(values)); i++ {
		given = true
		fl := model.Field{}
		if i < len(names) {
			fl.Name = names[i]
		}
		if i < len(values) {
			fl.Value = values[i]
		}
		out = append(out, fl)
	}
	return out, given
}

func itoa(i int) string { return model.FormatID(int64(i)) }

// picture opens an uploaded picture: a multipart file, or a base64 data:
// URI in a plain field.
func (f *form) picture(key string) (io.ReadCloser, error) {
	file, err := f.file(key)
	if err != nil || file != nil {
		return file, err
	}
	s := f.str(key)
	if s == "" {
		return nil, nil
	}
	meta, data, found := strings.Cut(s, ",")
	if !found || !strings.HasPrefix(meta, "data:") || !strings.HasSuffix(meta, ";base64") {
		return nil, model.Errorf(model.EUNPROCESS, "%s must be an uploaded file or a base64 data: URI", key)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, model.Errorf(model.EUNPROCESS, "%s is not valid base64", key)
	}
	return io.NopCloser(bytes.NewReader(raw)), nil
}

// lookupAccount finds an account by its address (GET /api/v1/accounts/lookup).
func (h *Handler) lookupAccount(w http.ResponseWriter, r *http.Request) {
	a, err := h.svc.LookupAccount(r.Context(), r.URL.Query().Get("acct"))
	if err == nil && a.Suspended() {
		err = model.Errorf(model.ENOTFOUND, "account not found")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.account(a))
}

// getAccount shows an account (GET /api/v1/accounts/{id}).
func (h *Handler) getAccount(w http.ResponseWriter, r *http.Request) {
	a, err := h.loadAccount(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.account(a))
}

// loadAccount loads the account of the path's {id}; suspended accounts do
// not exist for the API.
func (h *Handler) loadAccount(r *http.Request) (*model.Account, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	a, err := h.svc.DB().Read().AccountByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if a.Suspended() {
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	return a, nil
}

// accountStatuses lists an account's posts (GET /api/v1/accounts/{id}/statuses).
func (h *Handler) accountStatuses(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := f.page(statusesLimit, statusesMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var o social.AccountPostsOptions
	for key, dst := range map[string]*bool{"exclude_replies": &o.ExcludeReplies, "exclude_reblogs": &o.ExcludeReblogs,
		"only_media": &o.OnlyMedia, "pinned": &o.Pinned} {
		if *dst, err = f.flag(key, false); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	o.Tagged = f.str("tagged")
	views, err := h.svc.AccountPosts(r.Context(), actor(r), id, o, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeStatuses(w, r, views, !o.Pinned)
}

// writeStatuses answers a page of statuses, with its links when paged.
func (h *Handler) writeStatuses(w http.ResponseWriter, r *http.Request, views []*social.PostView, paged bool) {
	out, err := h.statuses(r.Context(), actor(r), views)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if paged {
		ids := make([]int64, len(views))
		for i, v := range views {
			ids[i] = v.Post.ID
		}
		h.setEdgeLinks(w, r, ids)
	}
	h.replyStatuses(w, out)
}

// accountList answers a page of accounts listed by a cursor of their own.
func (h *Handler) accountList(w http.ResponseWriter, r *http.Request, list social.AccountList, id int64) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	p, err := f.page(accountsLimit, accountsMax)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pa, err := h.svc.Accounts(r.Context(), actor(r), list, id, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeAccountPage(w, r, pa, p.Limit)
}

// accounts shapes accounts for the API, in their order.
func (h *Handler) accounts(as []*model.Account) []Account {
	out := make([]Account, 0, len(as))
	for _, a := range as {
		out = append(out, h.account(a))
	}
	return out
}

// writeAccountPage answers a page of accounts with its links.
func (h *Handler) writeAccountPage(w http.ResponseWriter, r *http.Request, pa social.PairedAccounts, limit int) {
	h.setAccountLinks(w, r, pa.Cursors, limit)
	reply(w, h.accounts(pa.Accounts))
}

func (h *Handler) followers(w http.ResponseWriter, r *http.Request) {
	h.listOfPath(w, r, social.ListFollowers)
}

func (h *Handler) following(w http.ResponseWriter, r *http.Request) {
	h.listOfPath(w, r, social.ListFollowing)
}

func (h *Handler) followRequests(w http.ResponseWriter, r *http.Request) {
	h.accountList(w, r, social.ListFollowRequests, 0)
}

func (h *Handler) blocks(w http.ResponseWriter, r *http.Request) {
	h.accountList(w, r, social.ListBlocks, 0)
}

func (h *Handler) mutes(w http.ResponseWriter, r *http.Request) {
	h.accountList(w, r, social.ListMutes, 0)
}

// listOfPath is accountList for the account or status of the path's {id}.
func (h *Handler) listOfPath(w http.ResponseWriter, r *http.Request, list social.AccountList) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.accountList(w, r, list, id)
}

// relationshipAction runs an action on the path's account and answers the
// resulting relationship.
func (h *Handler) relationshipAction(w http.ResponseWriter, r *http.Request,
	do func(a *social.Actor, id int64, f *form) (*store.Relationship, error)) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rel, err := do(actor(r), id, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, relationship(rel))
}

// follow follows an account, or asks to (POST /api/v1/accounts/{id}/follow).
func (h *Handler) follow(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, f *form) (*store.Relationship, error) {
		var opt social.FollowOptions
		var err error
		if opt.ShowReblogs, err = f.boolean("reblogs"); err != nil {
			return nil, err
		}
		if opt.Notify, err = f.boolean("notify"); err != nil {
			return nil, err
		}
		return h.svc.Follow(r.Context(), a, id, opt)
	})
}

func (h *Handler) unfollow(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.Unfollow(r.Context(), a, id)
	})
}

func (h *Handler) block(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.Block(r.Context(), a, id)
	})
}

func (h *Handler) unblock(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.Unblock(r.Context(), a, id)
	})
}

// mute mutes an account, its notifications too unless notifications is
// false, for duration seconds (0: until unmuted).
func (h *Handler) mute(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, f *form) (*store.Relationship, error) {
		notifications, err := f.flag("notifications", true)
		if err != nil {
			return nil, err
		}
		seconds, err := f.integer("duration", 0)
		if err != nil {
			return nil, err
		}
		if seconds > 10*365*24*3600 {
			return nil, model.Errorf(model.EUNPROCESS, "duration is longer than ten years")
		}
		return h.svc.Mute(r.Context(), a, id, notifications, time.Duration(seconds)*time.Second)
	})
}

func (h *Handler) unmute(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.Unmute(r.Context(), a, id)
	})
}

func (h *Handler) authorizeFollowRequest(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.FollowRequestDecision(r.Context(), a, id, true)
	})
}

func (h *Handler) rejectFollowRequest(w http.ResponseWriter, r *http.Request) {
	h.relationshipAction(w, r, func(a *social.Actor, id int64, _ *form) (*store.Relationship, error) {
		return h.svc.FollowRequestDecision(r.Context(), a, id, false)
	})
}

// maxRelationships bounds one relationships request, as Mastodon does.
const maxRelationships = 40

// relationships answers how the person stands towards accounts (GET
// /api/v1/accounts/relationships?id[]=...).
func (h *Handler) relationships(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	ids, err := f.ids("id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(ids) > maxRelationships {
		ids = ids[:maxRelationships]
	}
	rs, err := h.svc.Relationships(r.Context(), actor(r), ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]Relationship, 0, len(rs))
	for _, rel := range rs {
		out = append(out, relationship(rel))
	}
	reply(w, out)
}

// searchAccounts finds accounts by name (GET /api/v1/accounts/search).
func (h *Handler) searchAccounts(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parse(w, r)
	if !ok {
		return
	}
	limit, err := f.integer("limit", accountsLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	offset, err := f.integer("offset", 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.svc.Search(r.Context(), actor(r), f.str("q"), social.SearchOptions{Type: "accounts",
		Limit: min(max(limit, 1), statusesMax), Offset: offset})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, h.accounts(res.Accounts))
}
