package servertest

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// testLogger sends warnings and errors of the app (failing jobs, say) to
// the test's log, and goes quiet once the test ends, since background
// goroutines may still log then.
func testLogger(tb testing.TB) *slog.Logger {
	h := &tbHandler{tb: tb, done: &atomic.Bool{}}
	tb.Cleanup(func() { h.done.Store(true) })
	return slog.New(h)
}

type tbHandler struct {
	tb    testing.TB
	done  *atomic.Bool
	attrs []slog.Attr
}

func (h *tbHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *tbHandler) Handle(_ context.Context, r slog.Record) error {
	if h.done.Load() {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		b.WriteString(" " + a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.tb.Log(b.String())
	return nil
}

func (h *tbHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &tbHandler{tb: h.tb, done: h.done, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

func (h *tbHandler) WithGroup(string) slog.Handler { return h }
