package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// benchToken signs name up and returns a token from the password grant.
func benchToken(b *testing.B, env *servertest.Env, name string) string {
	b.Helper()
	ctx := context.Background()
	if _, err := env.App.Service.CreateUser(ctx, social.SignupInput{Username: name, Password: password(name)}); err != nil {
		b.Fatal(err)
	}
	post := func(path string, v url.Values) map[string]any {
		resp, err := http.PostForm(env.URL+path, v)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("POST %s: got %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	app := post("/api/v1/apps", url.Values{"client_name": {"bench"}, "redirect_uris": {"urn:ietf:wg:oauth:2.0:oob"},
		"scopes": {"read write follow"}})
	tok := post("/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {app["client_id"].(string)},
		"client_secret": {app["client_secret"].(string)}, "username": {name}, "password": {password(name)},
		"scope": {"read write follow"}})
	return tok["access_token"].(string)
}

// BenchmarkHomeTimeline measures a page of 20 statuses of the home
// timeline through the whole stack: HTTP, token, feed, views, JSON.
func BenchmarkHomeTimeline(b *testing.B) {
	env := servertest.New(b, servertest.Options{})
	alice, bob := benchToken(b, env, "alice"), benchToken(b, env, "bob")
	do := func(method, path, token string, body string) []byte {
		req, _ := http.NewRequest(method, env.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s %s: got %d %s", method, path, resp.StatusCode, data)
		}
		return data
	}
	var me struct{ ID string }
	json.Unmarshal(do("GET", "/api/v1/accounts/verify_credentials", alice, ""), &me)
	do("POST", "/api/v1/accounts/"+me.ID+"/follow", bob, "")
	for i := range 40 {
		do("POST", "/api/v1/statuses", alice, url.Values{"status": {fmt.Sprintf("post %d with #bench and @bob", i)}}.Encode())
	}
	b.ResetTimer()
	for b.Loop() {
		var page []json.RawMessage
		if err := json.Unmarshal(do("GET", "/api/v1/timelines/home?limit=20", bob, ""), &page); err != nil || len(page) != 20 {
			b.Fatalf("home: got %d statuses, %v", len(page), err)
		}
	}
}
