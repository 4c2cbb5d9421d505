package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"parvis/internal/store/storetest"
)

// buildBinary compiles the real parvis binary once per test run.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parvis")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build parvis: %v", err)
	}
	return bin
}

// testDatabaseFlags points a subprocess at a fresh database on the test's
// engine.
func testDatabaseFlags(t *testing.T) []string {
	t.Helper()
	cfg := storetest.Config(t)
	if cfg.URL != "" {
		return []string{"--database", cfg.URL, "--data", t.TempDir()}
	}
	return []string{"--data", filepath.Dir(cfg.SQLitePath)}
}

// startServer runs "parvis serve" on port 0 and returns its URL, reading
// it from the log line that announces it.
func startServer(t *testing.T, bin string, args ...string) (string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start parvis serve: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	logs := &bytes.Buffer{}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://\S+?)/? `)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if m := re.FindStringSubmatch(line + " "); m != nil {
				found <- strings.TrimSuffix(m[1], "/")
			}
		}
	}()
	select {
	case u := <-found:
		return u, cmd, logs
	case <-time.After(60 * time.Second):
		t.Fatalf("parvis serve did not announce its URL; logs:\n%s", logs)
	}
	return "", nil, nil
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
	last string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, resp.Header.Get("Location")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) post(page, action string, v url.Values) (int, string) {
	c.t.Helper()
	c.get(page)
	m := csrfField.FindStringSubmatch(c.last)
	if m == nil {
		c.t.Fatalf("no form token on %s", page)
	}
	v.Set("csrf", m[1])
	resp, err := c.http.PostForm(c.base+action, v)
	if err != nil {
		c.t.Fatalf("POST %s: %v", action, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	return resp.StatusCode, resp.Header.Get("Location")
}

// The real binary, on port 0: the first visit creates the admin, a second
// person signs up, logs out and in again, and SIGTERM stops it cleanly.
func TestBinaryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	base, cmd, logs := startServer(t, bin, testDatabaseFlags(t)...)

	admin := newClient(t, base)
	if st, loc := admin.get("/"); st != http.StatusSeeOther || loc != "/setup" {
		t.Fatalf("first visit: got %d to %q, want 303 to /setup", st, loc)
	}
	if st, loc := admin.post("/setup", "/setup", url.Values{"username": {"admin"}, "password": {"an admin password"},
		"password_confirm": {"an admin password"}, "registrations": {"open"}}); st != http.StatusSeeOther || loc != "/admin" {
		t.Fatalf("create admin: got %d to %q; page:\n%s", st, loc, admin.last)
	}
	if st, _ := admin.get("/admin"); st != http.StatusOK {
		t.Fatalf("admin page: %d", st)
	}

	user := newClient(t, base)
	if st, _ := user.post("/signup", "/signup", url.Values{"username": {"margaux"}, "password": {"un long mot de passe"},
		"password_confirm": {"un long mot de passe"}}); st != http.StatusSeeOther {
		t.Fatalf("sign up: got %d; page:\n%s", st, user.last)
	}
	user.get("/")
	if !strings.Contains(user.last, "Welcome, margaux") {
		t.Fatalf("home after sign-up does not greet margaux")
	}
	if st, _ := user.post("/", "/logout", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("logout: got %d", st)
	}
	if st, _ := user.get("/settings"); st != http.StatusSeeOther {
		t.Fatalf("settings after logout: got %d, want a redirect", st)
	}
	if st, _ := user.post("/login", "/login", url.Values{"login": {"margaux"}, "password": {"un long mot de passe"}}); st != http.StatusSeeOther {
		t.Fatalf("login: got %d; page:\n%s", st, user.last)
	}
	if st, _ := user.get("/settings"); st != http.StatusOK {
		t.Fatalf("settings after login: got %d", st)
	}
	if st, _ := user.post("/", "/logout", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("second logout: got %d", st)
	}

	// Operations endpoints.
	if st, _ := admin.get("/healthz"); st != http.StatusOK || !strings.Contains(admin.last, `"ok"`) {
		t.Fatalf("healthz: %d %s", st, admin.last)
	}
	if st, _ := admin.get("/metrics"); st != http.StatusOK || !strings.Contains(admin.last, "parvis_http_requests_total") {
		t.Fatalf("metrics: %d", st)
	}

	// Graceful shutdown.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("parvis exited with %v after SIGTERM; logs:\n%s", err, logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("parvis did not stop within 30 s of SIGTERM")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("no clean stop in the logs:\n%s", logs)
	}
}

// The admin commands work on the same database as the server.
func TestAdminCommands(t *testing.T) {
	ctx := context.Background()
	flags := testDatabaseFlags(t)
	var out, errb bytes.Buffer
	io := stdio{in: strings.NewReader("a password from stdin\n"), out: &out, err: &errb}
	if code := run(ctx, append([]string{"admin", "user", "create", "--username", "root2", "--password-file", "-", "--role", "admin"}, flags...), io); code != 0 {
		t.Fatalf("create: exit %d: %s", code, errb.String())
	}
	if code := run(ctx, append([]string{"admin", "user", "create", "--username", "mod", "--password-file", "-"}, flags...),
		stdio{in: strings.NewReader("another password\n"), out: &out, err: &errb}); code != 0 {
		t.Fatalf("create second: exit %d: %s", code, errb.String())
	}
	if code := run(ctx, append([]string{"admin", "user", "set-role", "--username", "mod", "--role", "moderator"}, flags...), io); code != 0 {
		t.Fatalf("set-role: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(ctx, append([]string{"admin", "user", "list"}, flags...), io); code != 0 {
		t.Fatalf("list: exit %d: %s", code, errb.String())
	}
	if !regexp.MustCompile(`root2\s+admin`).MatchString(out.String()) || !regexp.MustCompile(`mod\s+moderator`).MatchString(out.String()) {
		t.Fatalf("list output:\n%s", out.String())
	}
	// Bad input: a clear message and a non-zero exit, nothing written.
	errb.Reset()
	if code := run(ctx, append([]string{"admin", "user", "create", "--username", "bad name", "--password-file", "-"}, flags...),
		stdio{in: strings.NewReader("whatever password\n"), out: &out, err: &errb}); code != 1 || !strings.Contains(errb.String(), "letters, digits") {
		t.Fatalf("bad username: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, append([]string{"admin", "user", "set-role", "--username", "root2", "--role", "user"}, flags...), io); code != 1 ||
		!strings.Contains(errb.String(), "last admin") {
		t.Fatalf("demoting the last admin: exit %d, stderr %q", code, errb.String())
	}
	if code := run(ctx, []string{"nonsense"}, io); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
}

// BenchmarkColdStart measures how long "parvis serve" takes from launch to
// listening, on the data directory in PARVIS_BENCH_DATA (a seeded one, e.g.
// 100k users and 1M posts) or on an empty one.
func BenchmarkColdStart(b *testing.B) {
	bin := buildBinary(b)
	data := os.Getenv("PARVIS_BENCH_DATA")
	if data == "" {
		data = b.TempDir()
	}
	for b.Loop() {
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "parvis is listening") {
				break
			}
		}
		b.StopTimer()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		b.StartTimer()
	}
}

// The soft memory limit of serve is a quarter of what /proc/meminfo says.
func TestMemTotalReadsMeminfo(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo on this system")
	}
	if got := memTotal(); got < 64<<20 {
		t.Fatalf("memTotal = %d bytes, want the machine's memory", got)
	}
}
