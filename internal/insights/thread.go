package insights

import (
	"errors"
	"fmt"
)

// ThreadNode is one node of a reply tree: a post and the post it replies to.
type ThreadNode struct {
	ID string
	// Parent is the ID of the post replied to, or "" for the root.
	Parent string
	// Author is optional; when any post has one, Thread counts participants.
	Author string
}

// ThreadStats describes the shape of a reply tree.
type ThreadStats struct {
	// Size is the number of posts, the root included.
	Size int `json:"size"`
	// Depth is the length of the longest reply chain, in edges: the root
	// alone has depth 0, a reply to it depth 1.
	Depth int `json:"depth"`
	// MaxBreadth is the largest number of posts at one depth.
	MaxBreadth int `json:"max_breadth"`
	// StructuralVirality is the mean shortest-path distance over all pairs
	// of posts (Goel, Anderson, Hofman and Watts, "The Structural Virality of
	// Online Diffusion", Management Science, 2016); 0 for a lone root. A
	// star of n posts gives 2(n−1)/n, a chain (n+1)/3.
	StructuralVirality float64 `json:"structural_virality"`
	// Participants is the number of distinct non-empty authors.
	Participants int `json:"participants"`
	// RootAuthorReplied reports that the root's author wrote another post
	// of the thread.
	RootAuthorReplied bool `json:"root_author_replied"`
}

// Errors returned, wrapped, by Thread.
var (
	ErrNoRoot        = errors.New("thread has no root")
	ErrSeveralRoots  = errors.New("thread has several roots")
	ErrUnknownParent = errors.New("reply to an unknown post")
	ErrCycle         = errors.New("replies form a cycle")
	ErrDuplicatePost = errors.New("post listed twice")
	ErrEmptyID       = errors.New("post without an ID")
)

// Thread computes the structure of the reply tree given by posts, in time
// and memory linear in their number. The tree must have exactly one root
// (Parent ""), every other parent must be a listed post, and there must be
// no cycle.
func Thread(posts []ThreadNode) (ThreadStats, error) {
	n := len(posts)
	if n == 0 {
		return ThreadStats{}, ErrNoRoot
	}
	index := make(map[string]int32, n)
	for i, p := range posts {
		if p.ID == "" {
			return ThreadStats{}, fmt.Errorf("post %d: %w", i, ErrEmptyID)
		}
		if _, dup := index[p.ID]; dup {
			return ThreadStats{}, fmt.Errorf("%q: %w", p.ID, ErrDuplicatePost)
		}
		index[p.ID] = int32(i)
	}
	parent := make([]int32, n)
	root := int32(-1)
	for i, p := range posts {
		if p.Parent == "" {
			if root >= 0 {
				return ThreadStats{}, fmt.Errorf("%q and %q: %w", posts[root].ID, p.ID, ErrSeveralRoots)
			}
			root = int32(i)
			parent[i] = -1
			continue
		}
		j, ok := index[p.Parent]
		if !ok {
			return ThreadStats{}, fmt.Errorf("%q replies to %q: %w", p.ID, p.Parent, ErrUnknownParent)
		}
		parent[i] = j
	}
	if root < 0 {
		return ThreadStats{}, ErrNoRoot
	}
	return treeStats(posts, parent, root)
}

// treeStats walks the tree from root in breadth-first order, using the
// children lists in compressed form. Posts never reached lie on a cycle or
// hang from one.
func treeStats(posts []ThreadNode, parent []int32, root int32) (ThreadStats, error) {
	n := len(parent)
	first := make([]int32, n+1)
	for _, p := range parent {
		if p >= 0 {
			first[p+1]++
		}
	}
	for i := range n {
		first[i+1] += first[i]
	}
	children := make([]int32, n)
	fill := make([]int32, n)
	copy(fill, first[:n])
	for i, p := range parent {
		if p >= 0 {
			children[fill[p]] = int32(i)
			fill[p]++
		}
	}
	order := make([]int32, 0, n)
	depth := make([]int32, n)
	order = append(order, root)
	st := ThreadStats{Size: n}
	breadth := []int{1}
	for k := 0; k < len(order); k++ {
		u := order[k]
		for _, c := range children[first[u]:first[u+1]] {
			d := depth[u] + 1
			depth[c] = d
			if int(d) == len(breadth) {
				breadth = append(breadth, 0)
			}
			breadth[d]++
			order = append(order, c)
		}
	}
	if len(order) < n {
		for i := range n {
			if i != int(root) && depth[i] == 0 {
				return ThreadStats{}, fmt.Errorf("%q: %w", posts[i].ID, ErrCycle)
			}
		}
	}
	st.Depth = len(breadth) - 1
	for _, b := range breadth {
		st.MaxBreadth = max(st.MaxBreadth, b)
	}
	// Wiener index: the edge above a subtree of s posts lies on the path of
	// every pair with one post inside and one outside, s(n−s) pairs.
	size := fill // reuse: subtree sizes
	for i := range size {
		size[i] = 1
	}
	var wiener float64
	for k := n - 1; k > 0; k-- {
		u := order[k]
		s := size[u]
		wiener += float64(s) * float64(n-int(s))
		size[parent[u]] += s
	}
	if n > 1 {
		st.StructuralVirality = wiener / (float64(n) * float64(n-1) / 2)
	}
	authors := make(map[string]struct{})
	rootAuthor := posts[root].Author
	for i, p := range posts {
		if p.Author == "" {
			continue
		}
		authors[p.Author] = struct{}{}
		if i != int(root) && p.Author == rootAuthor {
			st.RootAuthorReplied = true
		}
	}
	st.Participants = len(authors)
	return st, nil
}
