package integrity

import (
	"fmt"
	"slices"
)

// Kind says how an account engaged an object.
type Kind uint8

// The kinds of engagement. The zero Kind means unknown.
const (
	Favourite Kind = iota + 1
	Boost
	Reply
	Vote
)

// String returns the kind's lower-case name.
func (k Kind) String() string {
	switch k {
	case Favourite:
		return "favourite"
	case Boost:
		return "boost"
	case Reply:
		return "reply"
	case Vote:
		return "vote"
	}
	return "unknown"
}

// ParseKind returns the Kind named s, as String spells it.
func ParseKind(s string) (Kind, error) {
	for k := Favourite; k <= Vote; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("integrity: unknown engagement kind %q", s)
}

// Edge is one engagement: Account engaged Object, written by Author, at Time.
// Ids are the caller's interned ids; Author is 0 when unknown, Time is unix
// seconds.
type Edge struct {
	Account int64
	Object  int64
	Author  int64
	Kind    Kind
	Time    int64
}

// AccountFacts are what the platform knows about an account beyond its
// engagement. Zero fields are unknown. Network is a salted hash of the
// network the account signs in from and Client a hash of its client
// application: both only ever compared for equality, never reversed.
type AccountFacts struct {
	CreatedAt int64
	Network   uint64
	Client    uint64
}

// Dataset is the input of Detect: engagement edges and optional facts about
// the accounts that appear in them.
type Dataset struct {
	Edges    []Edge
	Accounts map[int64]AccountFacts
}

// Signal names the detector that produced a Finding.
type Signal string

// The signals.
const (
	SignalDenseBlock    Signal = "dense_block"
	SignalLockstep      Signal = "lockstep"
	SignalSerial        Signal = "serial"
	SignalRing          Signal = "ring"
	SignalBurstNew      Signal = "burst_new_accounts"
	SignalBurstRelated  Signal = "burst_related_accounts"
	SignalAverageDegree Signal = "average_degree_block"
)

// Finding is one piece of evidence of manipulation. Accounts are the accounts
// whose engagement is suspect, Objects the objects they engaged and Authors
// the authors who benefited, each sorted ascending. From and To bound the
// engagement in unix seconds (both 0 when times are unknown). Score is the
// finding's strength relative to its detector's threshold: 1 at the
// threshold, larger when more suspicious; it orders findings of one signal.
// Reason says in a sentence why the finding was made.
type Finding struct {
	Signal   Signal  `json:"signal"`
	Score    float64 `json:"score"`
	Accounts []int64 `json:"accounts"`
	Objects  []int64 `json:"objects"`
	Authors  []int64 `json:"authors,omitempty"`
	From     int64   `json:"from"`
	To       int64   `json:"to"`
	Reason   string  `json:"reason"`
}

// sortedUnique sorts ids and removes repeats, in place.
func sortedUnique(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// sortFindings orders findings by signal, then most suspicious first, then by
// first account, so that output is stable.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Signal != b.Signal {
			if a.Signal < b.Signal {
				return -1
			}
			return 1
		}
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return slices.Compare(a.Accounts, b.Accounts)
	})
}
