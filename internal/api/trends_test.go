package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
)

// Trending statuses and tags through the API, every answer validated
// against the OpenAPI description: a post favourited by several accounts
// trends, with its hashtag; a malformed limit is refused.
func TestTrendsThroughTheAPI(t *testing.T) {
	w := newWorld(t, servertest.Options{})
	author := w.person("author")
	post := func(p *person, text string) *mastodon.Status {
		t.Helper()
		st, err := p.c.PostStatus(w.ctx, &mastodon.Toot{Status: text, Visibility: "public"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := post(author, "the first #radishes of the year")
	for i := range 3 {
		fan := w.person(fmt.Sprintf("fan%d", i))
		if _, err := fan.c.Favourite(w.ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		post(fan, "my #radishes too")
	}
	anon := w.client("")
	statuses, err := anon.GetTrendingStatuses(w.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 1 || statuses[0].ID != st.ID || statuses[0].FavouritesCount != 3 {
		t.Fatalf("trending statuses %+v, want the favourited post with 3 favourites", statuses)
	}
	res := w.call("GET", "/api/v1/trends/tags", "", nil, "")
	var tags []struct {
		Name    string `json:"name"`
		History []struct {
			Accounts string `json:"accounts"`
		} `json:"history"`
	}
	res.json(t, &tags)
	if len(tags) != 1 || tags[0].Name != "radishes" || len(tags[0].History) != 7 || tags[0].History[0].Accounts != "4" {
		t.Fatalf("trending tags %+v, want #radishes used by 4 accounts today", tags)
	}
	if res := w.call("GET", "/api/v1/trends/statuses?limit=abc", "", nil, ""); res.status != http.StatusBadRequest &&
		res.status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed limit: status %d, want a 4xx", res.status)
	}
}
