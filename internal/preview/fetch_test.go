package preview

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parvis/internal/outbound"
)

func newClient(t *testing.T, opts outbound.Options) *outbound.Client {
	t.Helper()
	opts.Domain = "parvis.test"
	opts.AllowHTTP = true
	c, err := outbound.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestFetch(t *testing.T) {
	article, err := os.ReadFile(filepath.Join("testdata", "article.html"))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(contentType, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			} else {
				w.Header()["Content-Type"] = nil // stop net/http from sniffing one
			}
			io.WriteString(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/article", serve("text/html; charset=utf-8", string(article)))
	mux.Handle("/xhtml", serve("application/xhtml+xml", "<html><head><title>XHTML</title></head></html>"))
	mux.Handle("/json", serve("application/json", `{"title":"no"}`))
	mux.Handle("/png", serve("image/png", "\x89PNG\r\n\x1a\n"))
	mux.Handle("/untyped", serve("", "<title>untyped</title>"))
	mux.Handle("/no-title", serve("text/html", "<html><head></head><body>Hello</body></html>"))
	mux.Handle("/posts/2024/page.html", serve("text/html", `<title>Moved</title><meta property="og:image" content="img/a.png">`))
	mux.Handle("/moved", http.RedirectHandler("/posts/2024/page.html", http.StatusMovedPermanently))
	mux.Handle("/long", serve("text/html", "<title>Long</title></head><body>"+strings.Repeat("<p>filler</p>", 10000)))
	mux.HandleFunc("/long-head", func(w http.ResponseWriter, r *http.Request) {
		// A declared length over the client's limit, and a head that
		// goes past it: the card comes from what was read before it.
		body := "<title>Long head</title>" + strings.Repeat(`<meta name="filler" content="filler">`, 5000)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		io.WriteString(w, body)
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	var accept string
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		serve("text/html", "<title>Accept</title>")(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := newClient(t, outbound.Options{AllowPrivate: true, MaxBodyBytes: 64 << 10})

	tests := []struct {
		path       string
		wantTitle  string
		wantImage  string
		wantErr    error
		wantStatus int
	}{
		{path: "/article", wantTitle: "Le parvis s’ouvre aux communautés & aux réseaux", wantImage: "https://img.journal.example/2024/05/parvis-1200.jpg"},
		{path: "/xhtml", wantTitle: "XHTML"},
		{path: "/moved", wantTitle: "Moved", wantImage: srv.URL + "/posts/2024/img/a.png"},
		{path: "/long", wantTitle: "Long"},
		{path: "/long-head", wantTitle: "Long head"},
		{path: "/json", wantErr: ErrNotHTML},
		{path: "/png", wantErr: ErrNotHTML},
		{path: "/untyped", wantErr: ErrNotHTML},
		{path: "/no-title", wantErr: ErrNoTitle},
		{path: "/missing", wantStatus: http.StatusNotFound},
		{path: "/busy", wantStatus: http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			card, err := Fetch(t.Context(), client, srv.URL+tt.path)
			switch {
			case tt.wantStatus != 0:
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.wantStatus {
					t.Fatalf("got error %v, want a *StatusError with status %d", err, tt.wantStatus)
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got error %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("got error %v, want nil", err)
			}
			if card.Title != tt.wantTitle {
				t.Errorf("got title %q, want %q", card.Title, tt.wantTitle)
			}
			if card.Image != tt.wantImage {
				t.Errorf("got image %q, want %q", card.Image, tt.wantImage)
			}
		})
	}

	if _, err := Fetch(t.Context(), client, srv.URL+"/accept"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(accept, "text/html") {
		t.Errorf("got Accept %q, want it to ask for text/html", accept)
	}
}

func TestFetchRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<title>internal</title>")
	}))
	defer srv.Close()
	client := newClient(t, outbound.Options{})

	tests := []struct {
		url  string
		want error
	}{
		{srv.URL + "/", outbound.ErrForbiddenAddress},
		{"http://169.254.169.254/latest/meta-data/", outbound.ErrForbiddenAddress},
		{"ftp://example.com/file", ErrInvalidURL},
		{"javascript:alert(1)", ErrInvalidURL},
		{"not a url", ErrInvalidURL},
		{"", ErrInvalidURL},
	}
	for _, tt := range tests {
		if _, err := Fetch(t.Context(), client, tt.url); !errors.Is(err, tt.want) {
			t.Errorf("Fetch(%q): got %v, want %v", tt.url, err, tt.want)
		}
	}
}
