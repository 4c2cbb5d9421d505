// Package progress draws a progress bar with rate and time left for long
// command-line operations (seed, scans, imports, backups). On a terminal it
// redraws one line; elsewhere (CI logs) it prints a line every few seconds.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar reports progress of one stage.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	label    string
	unit     string
	total    int64
	done     int64
	start    time.Time
	last     time.Time
	interval time.Duration
	finished bool
}

// New starts a bar for total units (0 when unknown) written to w.
func New(w io.Writer, label, unit string, total int64) *Bar {
	b := &Bar{w: w, label: label, unit: unit, total: total, start: time.Now(), tty: isTerminal(w)}
	b.interval = 5 * time.Second
	if b.tty {
		b.interval = 100 * time.Millisecond
	}
	return b
}

// Add records n more units done.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if now := time.Now(); now.Sub(b.last) >= b.interval {
		b.last = now
		b.draw(false)
	}
}

// Done finishes the bar and prints the final rate.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.draw(true)
}

// Rate returns units per second so far.
func (b *Bar) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return float64(b.done) / max(time.Since(b.start).Seconds(), 1e-9)
}

func (b *Bar) draw(final bool) {
	elapsed := time.Since(b.start)
	rate := float64(b.done) / max(elapsed.Seconds(), 1e-9)
	var line string
	if b.total > 0 {
		frac := min(float64(b.done)/float64(b.total), 1)
		const width = 24
		filled := int(frac * width)
		left := "?"
		if rate > 0 {
			left = time.Duration(float64(b.total-b.done) / rate * float64(time.Second)).Round(time.Second).String()
		}
		if final {
			left = elapsed.Round(100 * time.Millisecond).String()
		}
		label := "left"
		if final {
			label = "took"
		}
		line = fmt.Sprintf("%-14s [%s%s] %5.1f%% %d/%d %s  %s/s  %s %s", b.label, strings.Repeat("#", filled),
			strings.Repeat(".", width-filled), frac*100, b.done, b.total, b.unit, human(rate), label, left)
	} else {
		line = fmt.Sprintf("%-14s %d %s  %s/s  %s", b.label, b.done, b.unit, human(rate), elapsed.Round(100*time.Millisecond))
	}
	switch {
	case b.tty && final:
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
	case b.tty:
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(b.w, line)
	}
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
