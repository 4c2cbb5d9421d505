package federation

import (
	"testing"
	"time"
)

// TestRetryDelay checks the backoff of a failing delivery: each wait about
// three times the one before (within the ±10% jitter), at most a day, at
// least six hours to an unreachable server, and the whole series of
// attempts spread over days, not hours.
func TestRetryDelay(t *testing.T) {
	within := func(d, want time.Duration) bool {
		return d >= want-want/10 && d <= want+want/10
	}
	want := firstRetry
	var total time.Duration
	for attempt := 1; attempt < deliverAttempts; attempt++ {
		for range 50 { // the jitter is random: try it several times
			d := retryDelay(attempt, false)
			if !within(d, want) {
				t.Fatalf("wait after attempt %d: got %s, want %s ±10%%", attempt, d, want)
			}
			if u := retryDelay(attempt, true); u < unreachableRetry-unreachableRetry/10 {
				t.Fatalf("wait after attempt %d to an unreachable server: got %s, want at least %s", attempt, u, unreachableRetry)
			}
		}
		total += want
		want = min(want*3, maxRetry)
	}
	if total < 5*24*time.Hour || total > 8*24*time.Hour {
		t.Errorf("the %d attempts span %s, want about a week", deliverAttempts, total)
	}
	if giveUpAfter < total-maxRetry {
		t.Errorf("deliveries to an unreachable server are dropped after %s, before the retries end (%s)", giveUpAfter, total)
	}
}
