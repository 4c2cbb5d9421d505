package social

import (
	"context"
	"slices"

	"parvis/internal/model"
	"parvis/internal/store"
)

// maxReplay bounds how many missed replies a reconnecting live thread page
// is sent; past that, reloading the page is the better answer.
const maxReplay = 200

// ThreadRepliesSince returns the replies of a thread newer than afterID
// that the viewer may see, oldest first (a live thread page catching up
// after a reconnection).
func (s *Service) ThreadRepliesSince(ctx context.Context, viewer *Actor, threadID, afterID int64) ([]*PostView, error) {
	ids, err := s.db.Read().ThreadReplyIDsAfter(ctx, threadID, afterID, maxReplay)
	if err != nil {
		return nil, err
	}
	return s.Views(ctx, viewer, ids, true)
}

// viewChunk is how many posts ThreadPage loads per Views call. SQLite
// looks each numbered parameter of a query up in a list, so a query's
// parsing grows with the square of its parameters: a thousand posts in one
// IN list cost more to parse than ten lists of a hundred cost to run.
const viewChunk = 100

// ThreadSlice is one page of a thread's replies: the replies under the
// first top-level replies after a cursor, as many as a page holds.
type ThreadSlice struct {
	Ancestors []*PostView
	// Replies are depth first, each after the post it answers.
	Replies []*PostView
	// Total counts every reply below the post, on any page.
	Total int
	// Next is the cursor of the next page (the last top-level reply of
	// this one), 0 on the last page; Cut is the top-level reply whose
	// replies did not all fit (0 when none).
	Next, Cut int64
}

// ThreadPage loads a post's ancestors and one page of its replies: whole
// branches, top-level reply after top-level reply, from the first after
// the cursor after (0: from the start), until budget replies; a branch
// bigger than a page is cut. Only what the page shows is loaded, in
// chunks: a thread of a thousand replies stays quick.
func (s *Service) ThreadPage(ctx context.Context, viewer *Actor, id, after int64, budget int) (*PostView, *ThreadSlice, error) {
	v, err := s.View(ctx, viewer, id)
	if err != nil {
		return nil, nil, err
	}
	if budget <= 0 {
		budget = 200
	}
	p := v.Shown().Post
	links, err := s.db.Read().ThreadShape(ctx, p.ThreadID, MaxThreadPosts)
	if err != nil {
		return nil, nil, err
	}
	anc, desc, top := threadOrder(p, links)
	ts := &ThreadSlice{Total: len(desc)}
	var ids []int64
	for i := 0; i < len(desc); {
		// desc[i] starts a top-level reply's branch, which runs to the
		// next top-level reply.
		j := i + 1
		for j < len(desc) && !top[desc[j]] {
			j++
		}
		branch := desc[i:j]
		i = j
		switch {
		case branch[0] <= after:
			continue
		case len(ids) > 0 && len(ids)+len(branch) > budget:
			ts.Next = lastTop(ids, top)
		case len(branch) > budget:
			ids, ts.Cut = branch[:budget], branch[0]
			if i < len(desc) {
				ts.Next = branch[0]
			}
		default:
			ids = append(ids, branch...)
			continue
		}
		break
	}
	if ts.Ancestors, err = s.viewsInChunks(ctx, viewer, anc, false); err != nil {
		return nil, nil, err
	}
	if ts.Replies, err = s.viewsInChunks(ctx, viewer, ids, true); err != nil {
		return nil, nil, err
	}
	return v, ts, nil
}

// lastTop is the last top-level reply among ids.
func lastTop(ids []int64, top map[int64]bool) int64 {
	for i := len(ids) - 1; i >= 0; i-- {
		if top[ids[i]] {
			return ids[i]
		}
	}
	return 0
}

// threadOrder returns the ids of p's ancestors (oldest first) and of its
// descendants (depth first, each after the post it answers) among a
// thread's posts, and which descendants answer p itself.
func threadOrder(p *model.Post, links []store.ThreadLink) (anc, desc []int64, top map[int64]bool) {
	parent := make(map[int64]int64, len(links))
	children := map[int64][]int64{}
	for _, l := range links {
		parent[l.ID] = l.InReplyTo
		if l.InReplyTo != 0 {
			children[l.InReplyTo] = append(children[l.InReplyTo], l.ID)
		}
	}
	seen := map[int64]bool{p.ID: true}
	for cur := p.InReplyToID; cur != 0 && !seen[cur]; {
		seen[cur] = true
		up, ok := parent[cur]
		if !ok {
			break
		}
		anc = append(anc, cur)
		cur = up
	}
	slices.Reverse(anc)
	// Depth first without recursion: a chain of thousands of replies must
	// not grow the stack.
	top = map[int64]bool{}
	for _, id := range children[p.ID] {
		top[id] = true
	}
	stack := slices.Clone(children[p.ID])
	slices.Reverse(stack)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		desc = append(desc, id)
		kids := children[id]
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
	return anc, desc, top
}

// viewsInChunks is Views over ids, viewChunk at a time.
func (s *Service) viewsInChunks(ctx context.Context, viewer *Actor, ids []int64, hideMuted bool) ([]*PostView, error) {
	out := make([]*PostView, 0, len(ids))
	for chunk := range slices.Chunk(ids, viewChunk) {
		vs, err := s.Views(ctx, viewer, chunk, hideMuted)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}
