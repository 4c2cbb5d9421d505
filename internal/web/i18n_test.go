package web_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
)

// interfaceKey matches the keys of interface strings ("nav.home"); the
// other keys of a catalog are English error messages, which French
// translates and English shows as they are.
var interfaceKey = regexp.MustCompile(`^[a-z_]+\.[a-z_0-9]+$`)

func loadCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("locales", lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]string
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("parse %s.json: %v", lang, err)
	}
	return c
}

// usedKeys lists the interface keys that templates and handlers use.
func usedKeys(t *testing.T, sections map[string]bool) map[string]string {
	t.Helper()
	used := map[string]string{}
	tmplKey := regexp.MustCompile(`\bT "([^"]+)"`)
	err := filepath.WalkDir("templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys built in templates from values.
	for _, v := range []string{"public", "unlisted", "private", "direct"} {
		used["visibility."+v] = "partials (print \"visibility.\")"
	}
	for _, r := range []string{"open", "approval", "closed"} {
		used["registrations."+r] = "about.html (printf \"registrations.%s\")"
	}
	for _, n := range []string{model.NotifyMention, model.NotifyStatus, model.NotifyReblog, model.NotifyFollow,
		model.NotifyFollowRequest, model.NotifyFavourite, model.NotifyUpdate} {
		used["notifications."+n] = "notifications.go"
	}
	// Handlers name keys as string literals ("flash.published").
	goLiteral := regexp.MustCompile(`"([a-z_]+\.[a-z_0-9]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goLiteral.FindAllStringSubmatch(string(b), -1) {
			if sections[strings.SplitN(m[1], ".", 2)[0]] {
				used[m[1]] = f
			}
		}
	}
	return used
}

func TestEveryKeyIsTranslated(t *testing.T) {
	en, fr := loadCatalog(t, "en"), loadCatalog(t, "fr")
	sections := map[string]bool{}
	keysOf := func(c map[string]string) []string {
		var out []string
		for k := range c {
			if interfaceKey.MatchString(k) {
				out = append(out, k)
				sections[strings.SplitN(k, ".", 2)[0]] = true
			}
		}
		slices.Sort(out)
		return out
	}
	enKeys, frKeys := keysOf(en), keysOf(fr)
	for _, k := range enKeys {
		if _, ok := fr[k]; !ok {
			t.Errorf("%q is in en.json, not in fr.json", k)
		}
	}
	for _, k := range frKeys {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in fr.json, not in en.json", k)
		}
	}
	for k, where := range usedKeys(t, sections) {
		if en[k] == "" || fr[k] == "" {
			t.Errorf("%s uses %q, which en.json (%q) or fr.json (%q) lacks", where, k, en[k], fr[k])
		}
	}
	// A translation keeps the formatting verbs of its source, in order.
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for _, c := range []struct {
		name string
		cat  map[string]string
	}{{"en", en}, {"fr", fr}} {
		for k, v := range c.cat {
			want := verbs.FindAllString(k, -1)
			if interfaceKey.MatchString(k) {
				want = verbs.FindAllString(en[k], -1)
			}
			if got := verbs.FindAllString(v, -1); !slices.Equal(got, want) {
				t.Errorf("%s.json %q: verbs %v, want %v", c.name, k, got, want)
			}
		}
	}
}

func TestPagesSpeakBothLanguages(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	p := s.publish("alice", social.PostInput{Text: "Bonjour #jardin", SpoilerText: "légumes"})
	id := model.FormatID(p.ID)
	bob.Post("/@alice/"+id, "/posts/"+id+"/favourite", nil)
	s.publish("bob", social.PostInput{Text: "@alice une réponse", InReplyToID: p.ID})
	en := loadCatalog(t, "en")
	pages := []string{"/", "/compose", "/compose?in_reply_to=" + id, "/public/local", "/public", "/tags/jardin",
		"/@alice", "/@alice/with_replies", "/@alice/media", "/@alice/followers", "/@alice/following", "/@alice/" + id,
		"/@alice/" + id + "/history", "/posts/" + id + "/edit", "/notifications", "/search?q=jardin", "/follow_requests",
		"/bookmarks", "/favourites", "/settings", "/@bob"}
	for _, lang := range []string{"en", "fr"} {
		alice.Post("/", "/lang", map[string][]string{"lang": {lang}, "next": {"/"}})
		for _, page := range pages {
			r := alice.Get(page)
			if r.Status != http.StatusOK {
				t.Errorf("%s %s: got %d", lang, page, r.Status)
				continue
			}
			if !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: the page is not in %s", lang, page, lang)
			}
			for k := range en {
				if interfaceKey.MatchString(k) && strings.Contains(r.Body, k) {
					t.Errorf("%s %s: the untranslated key %q shows", lang, page, k)
				}
			}
		}
	}
	if body := alice.Get("/@alice/" + id).Body; !strings.Contains(body, "Répondre") || !strings.Contains(body, "Aimer") {
		t.Errorf("the French thread page is not in French")
	}
}
