package insights

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func id(i int) string { return "p" + strconv.Itoa(i) }

// star returns a root with n-1 direct replies.
func star(n int) []ThreadNode {
	posts := []ThreadNode{{ID: id(0)}}
	for i := 1; i < n; i++ {
		posts = append(posts, ThreadNode{ID: id(i), Parent: id(0)})
	}
	return posts
}

// chain returns n posts, each replying to the previous one.
func chain(n int) []ThreadNode {
	posts := []ThreadNode{{ID: id(0)}}
	for i := 1; i < n; i++ {
		posts = append(posts, ThreadNode{ID: id(i), Parent: id(i - 1)})
	}
	return posts
}

func TestThreadClosedForms(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 1000} {
		st, err := Thread(star(n))
		if err != nil {
			t.Fatal(err)
		}
		want := ThreadStats{Size: n, Depth: min(n-1, 1), MaxBreadth: max(n-1, 1), StructuralVirality: 2 * float64(n-1) / float64(n)}
		if n == 1 {
			want.StructuralVirality = 0
		}
		if !statsClose(st, want) {
			t.Errorf("star of %d: got %+v, want %+v", n, st, want)
		}
		st, err = Thread(chain(n))
		if err != nil {
			t.Fatal(err)
		}
		want = ThreadStats{Size: n, Depth: n - 1, MaxBreadth: 1, StructuralVirality: float64(n+1) / 3}
		if n == 1 {
			want.StructuralVirality = 0
		}
		if !statsClose(st, want) {
			t.Errorf("chain of %d: got %+v, want %+v", n, st, want)
		}
	}
}

func statsClose(a, b ThreadStats) bool {
	sa, sb := a.StructuralVirality, b.StructuralVirality
	a.StructuralVirality, b.StructuralVirality = 0, 0
	return a == b && math.Abs(sa-sb) <= 1e-12*math.Max(1, math.Abs(sb))
}

// bruteVirality returns the mean distance over all pairs by a breadth-first
// search from every post.
func bruteVirality(posts []ThreadNode) float64 {
	n := len(posts)
	index := map[string]int{}
	for i, p := range posts {
		index[p.ID] = i
	}
	adj := make([][]int, n)
	for i, p := range posts {
		if p.Parent != "" {
			j := index[p.Parent]
			adj[i] = append(adj[i], j)
			adj[j] = append(adj[j], i)
		}
	}
	var total float64
	dist := make([]int, n)
	for s := range n {
		for i := range dist {
			dist[i] = -1
		}
		dist[s] = 0
		queue := []int{s}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, v := range adj[u] {
				if dist[v] < 0 {
					dist[v] = dist[u] + 1
					queue = append(queue, v)
				}
			}
		}
		for _, d := range dist {
			total += float64(d)
		}
	}
	if n < 2 {
		return 0
	}
	return total / float64(n*(n-1))
}

func TestThreadRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 1 + rng.IntN(120)
		posts := []ThreadNode{{ID: id(0)}}
		depth := []int{0}
		for i := 1; i < n; i++ {
			// Mix shallow, bushy trees and deep, thin ones.
			p := rng.IntN(i)
			if trial%2 == 1 {
				p = max(0, i-1-rng.IntN(3))
			}
			posts = append(posts, ThreadNode{ID: id(i), Parent: id(p)})
			depth = append(depth, depth[p]+1)
		}
		rng.Shuffle(len(posts), func(a, b int) {
			posts[a], posts[b] = posts[b], posts[a]
			depth[a], depth[b] = depth[b], depth[a]
		})
		st, err := Thread(posts)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteVirality(posts); math.Abs(st.StructuralVirality-want) > 1e-9 {
			t.Errorf("trial %d (n=%d): virality got %v, want %v", trial, n, st.StructuralVirality, want)
		}
		count := map[int]int{}
		maxDepth, maxBreadth := 0, 0
		for _, d := range depth {
			count[d]++
			maxDepth = max(maxDepth, d)
			maxBreadth = max(maxBreadth, count[d])
		}
		if st.Depth != maxDepth || st.MaxBreadth != maxBreadth || st.Size != n {
			t.Errorf("trial %d: got size %d depth %d breadth %d, want %d %d %d", trial, st.Size, st.Depth, st.MaxBreadth, n, maxDepth, maxBreadth)
		}
	}
}

func TestThreadParticipants(t *testing.T) {
	tests := []struct {
		name         string
		posts        []ThreadNode
		participants int
		rootReplied  bool
	}{
		{"no authors", chain(3), 0, false},
		{"root answers", []ThreadNode{{ID: "a", Author: "ann"}, {ID: "b", Parent: "a", Author: "bob"}, {ID: "c", Parent: "b", Author: "ann"}}, 2, true},
		{"root silent", []ThreadNode{{ID: "a", Author: "ann"}, {ID: "b", Parent: "a", Author: "bob"}, {ID: "c", Parent: "a", Author: "cat"}, {ID: "d", Parent: "c", Author: "bob"}}, 3, false},
		{"root without author", []ThreadNode{{ID: "a"}, {ID: "b", Parent: "a"}, {ID: "c", Parent: "a", Author: "cat"}}, 1, false},
	}
	for _, tt := range tests {
		st, err := Thread(tt.posts)
		if err != nil {
			t.Fatal(err)
		}
		if st.Participants != tt.participants || st.RootAuthorReplied != tt.rootReplied {
			t.Errorf("%s: got %d participants, root replied %v; want %d, %v", tt.name, st.Participants, st.RootAuthorReplied, tt.participants, tt.rootReplied)
		}
	}
}

func TestThreadErrors(t *testing.T) {
	tests := []struct {
		name  string
		posts []ThreadNode
		want  error
	}{
		{"empty", nil, ErrNoRoot},
		{"no root", []ThreadNode{{ID: "a", Parent: "b"}, {ID: "b", Parent: "a"}}, ErrNoRoot},
		{"two roots", []ThreadNode{{ID: "a"}, {ID: "b"}}, ErrSeveralRoots},
		{"unknown parent", []ThreadNode{{ID: "a"}, {ID: "b", Parent: "z"}}, ErrUnknownParent},
		{"cycle beside root", []ThreadNode{{ID: "a"}, {ID: "b", Parent: "c"}, {ID: "c", Parent: "b"}}, ErrCycle},
		{"self reply", []ThreadNode{{ID: "a"}, {ID: "b", Parent: "b"}}, ErrCycle},
		{"hanging from a cycle", []ThreadNode{{ID: "a"}, {ID: "b", Parent: "c"}, {ID: "c", Parent: "b"}, {ID: "d", Parent: "c"}}, ErrCycle},
		{"duplicate", []ThreadNode{{ID: "a"}, {ID: "a", Parent: "a"}}, ErrDuplicatePost},
		{"empty id", []ThreadNode{{ID: "a"}, {ID: "", Parent: "a"}}, ErrEmptyID},
	}
	for _, tt := range tests {
		if _, err := Thread(tt.posts); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}

func BenchmarkThread(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	posts := []ThreadNode{{ID: id(0)}}
	for i := 1; i < 100_000; i++ {
		posts = append(posts, ThreadNode{ID: id(i), Parent: id(rng.IntN(i)), Author: "u" + strconv.Itoa(rng.IntN(5000))})
	}
	for b.Loop() {
		if _, err := Thread(posts); err != nil {
			b.Fatal(err)
		}
	}
}
