package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

// world is a running Parvis with one registered app, and people who use
// it through a real Mastodon client library.
type world struct {
	t    *testing.T
	env  *servertest.Env
	svc  *social.Service
	ctx  context.Context
	http *http.Client // validates every response against the OpenAPI description
	vt   *validatingTransport
	app  *mastodon.Application
}

const appScopes = "read write follow push"

func newWorld(t *testing.T, opt servertest.Options) *world {
	t.Helper()
	env := servertest.New(t, opt)
	w := &world{t: t, env: env, svc: env.App.Service, ctx: context.Background(),
		http: &http.Client{Timeout: 30 * time.Second}}
	w.vt = validating(t, w.http)
	app, err := mastodon.RegisterApp(w.ctx, &mastodon.AppConfig{Client: *w.http, Server: env.URL,
		ClientName: "Parvis tests", Scopes: appScopes, Website: "https://app.example",
		RedirectURIs: "urn:ietf:wg:oauth:2.0:oob\nhttp://app.example/callback"})
	if err != nil {
		t.Fatalf("register app: %v", err)
	}
	w.app = app
	return w
}

// person is someone using a Mastodon app on the server.
type person struct {
	name  string
	id    mastodon.ID
	c     *mastodon.Client
	token string
}

// password is each test person's password.
func password(name string) string { return "password of " + name }

// person signs name up and logs them in with the password grant, as a
// command-line Mastodon client does.
func (w *world) person(name string) *person {
	w.t.Helper()
	if _, err := w.svc.CreateUser(w.ctx, social.SignupInput{Username: name, Email: name + "@example.org",
		Password: password(name)}); err != nil {
		w.t.Fatalf("create %s: %v", name, err)
	}
	c := w.client("")
	if err := c.Authenticate(w.ctx, name, password(name)); err != nil {
		w.t.Fatalf("password grant for %s: %v", name, err)
	}
	acc, err := c.GetAccountCurrentUser(w.ctx)
	if err != nil {
		w.t.Fatalf("verify_credentials of %s: %v", name, err)
	}
	return &person{name: name, id: acc.ID, c: c, token: c.Config.AccessToken}
}

// client returns a go-mastodon client of the app, with a token or none.
func (w *world) client(token string) *mastodon.Client {
	c := mastodon.NewClient(&mastodon.Config{Server: w.env.URL, ClientID: w.app.ClientID,
		ClientSecret: w.app.ClientSecret, AccessToken: token})
	c.Client = *w.http
	return c
}

// response is a raw API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test when it is not JSON.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorText returns the "error" field of an error body.
func (r response) errorText(t *testing.T) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	r.json(t, &e)
	return e.Error
}

// call sends a raw request, validated against the OpenAPI description
// like the client library's (an error status the description omits for an
// operation must still be an Error entity). body is a url.Values (form),
// a []byte or string with its content type in ctype, or nil.
func (w *world) call(method, path, token string, body any, ctype string) response {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	}
	req, err := http.NewRequest(method, w.env.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// token gets a token for name with the password grant and the given
// scopes.
func (w *world) token(name, scopes string) string {
	w.t.Helper()
	r := w.call("POST", "/oauth/token", "", url.Values{"grant_type": {"password"}, "client_id": {w.app.ClientID},
		"client_secret": {w.app.ClientSecret}, "username": {name}, "password": {password(name)}, "scope": {scopes}}, "")
	if r.status != http.StatusOK {
		w.t.Fatalf("token for %s (%s): got %d %s", name, scopes, r.status, r.body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.json(w.t, &tok)
	return tok.AccessToken
}

// eventually retries check until it returns "" or time runs out (for
// what background jobs deliver, such as home feeds).
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testPNG encodes a small picture.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func ids(ss []*mastodon.Status) []mastodon.ID {
	out := make([]mastodon.ID, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}
