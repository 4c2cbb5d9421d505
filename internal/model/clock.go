package model

import "time"

// Clock tells the time. Production code uses SystemClock; tests inject a
// fixed or stepping clock so that waiting times and periods are exact.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
