package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"parvis/internal/model"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages the interface speaks; the first is the fallback.
var supported = []language.Tag{language.English, language.French}

// catalog holds the translations of one language: interface keys
// ("nav.home") and the English format strings of domain errors.
type catalog map[string]string

// translator picks a language per request and translates.
type translator struct {
	catalogs map[string]catalog
	matcher  language.Matcher
}

func newTranslator() (*translator, error) {
	t := &translator{catalogs: map[string]catalog{}, matcher: language.NewMatcher(supported)}
	for _, tag := range supported {
		code := tag.String()
		b, err := localeFS.ReadFile("locales/" + code + ".json")
		if err != nil {
			return nil, fmt.Errorf("read locale %s: %w", code, err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("parse locale %s: %w", code, err)
		}
		t.catalogs[code] = c
	}
	return t, nil
}

// pick chooses the language: the user's setting, then the lang cookie, then
// the browser's Accept-Language, then English.
func (t *translator) pick(r *http.Request, userLocale string) string {
	if _, ok := t.catalogs[userLocale]; ok {
		return userLocale
	}
	if c, err := r.Cookie("lang"); err == nil {
		if _, ok := t.catalogs[c.Value]; ok {
			return c.Value
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, idx, _ := t.matcher.Match(tags...)
	return supported[idx].String()
}

// T translates key into lang, formatting args into it. A missing
// translation falls back to English, then to the key itself, so a page never
// shows nothing.
func (t *translator) T(lang, key string, args ...any) string {
	s, ok := t.catalogs[lang][key]
	if !ok {
		s, ok = t.catalogs["en"][key]
		if !ok {
			s = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Error translates a domain error's message; internal errors get a generic
// sentence, their details go to the log only.
func (t *translator) Error(lang string, err error) string {
	var e *model.Error
	if !asError(err, &e) {
		return t.T(lang, "error.internal")
	}
	if e.Format == "" {
		return e.Message
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		// Translate arguments that are themselves sentence parts ("an hour").
		if s, ok := a.(string); ok {
			if tr, ok := t.catalogs[lang][s]; ok && !strings.Contains(s, "%") {
				a = tr
			}
		}
		args[i] = a
	}
	return t.T(lang, e.Format, args...)
}
