package social

import (
	"context"
	"sync"
)

// Event is something that happened which live streams may need to show.
// It carries ids, not rendered entities: each subscriber's connection loads
// and checks what its viewer may see.
type Event struct {
	Kind       string   `json:"kind"` // post, post.update, delete, notification
	PostID     int64    `json:"post_id,omitempty"`
	AuthorID   int64    `json:"author_id,omitempty"`
	ThreadID   int64    `json:"thread_id,omitempty"`
	AccountID  int64    `json:"account_id,omitempty"` // the recipient of a notification
	NotifID    int64    `json:"notification_id,omitempty"`
	Visibility string   `json:"visibility,omitempty"`
	Local      bool     `json:"local,omitempty"`
	Reply      bool     `json:"reply,omitempty"`
	Reblog     bool     `json:"reblog,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Mentions   []int64  `json:"mentions,omitempty"`
	Community  int64    `json:"community_id,omitempty"`
}

// Event kinds.
const (
	EventPost         = "post"
	EventPostUpdate   = "post.update"
	EventDelete       = "delete"
	EventNotification = "notification"
)

// Broker carries events to every node's subscribers. The in-process broker
// serves one node; with several nodes on PostgreSQL, a broker on
// LISTEN/NOTIFY reaches the others.
type Broker interface {
	Publish(ctx context.Context, e Event)
	Subscribe() (events <-chan Event, cancel func())
}

// LocalBroker delivers events to subscribers in this process. A slow
// subscriber loses events rather than slowing publishers down.
type LocalBroker struct {
	mu   sync.RWMutex
	subs map[chan Event]struct{}
}

// NewLocalBroker returns an in-process broker.
func NewLocalBroker() *LocalBroker { return &LocalBroker{subs: map[chan Event]struct{}{}} }

// Publish sends e to every subscriber.
func (b *LocalBroker) Publish(_ context.Context, e Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe returns a channel of events and a function that ends the
// subscription.
func (b *LocalBroker) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
		})
	}
}

// publish sends an event once the transaction that caused it commits.
func (s *Service) publishAfter(tx interface{ AfterCommit(func()) }, e Event) {
	tx.AfterCommit(func() { s.events.Publish(context.Background(), e) })
}

// Events returns the service's broker, for streaming endpoints.
func (s *Service) Events() Broker { return s.events }
