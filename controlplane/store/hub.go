package store

import (
	"sync"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// committed is one change as the store recorded it: the encoded resource, decoded again for
// each subscriber so that every subscriber gets its own copy to mutate.
type committed struct {
	typ  EventType
	data []byte
	rev  uint64
}

// hub fans committed changes out to subscribers. Each subscriber has an unbounded queue and
// its own goroutine, so a slow subscriber delays only itself and never a writer.
type hub struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	fn      func(Event)
	mu      sync.Mutex
	queue   []committed
	stopped bool
	wake    chan struct{} // capacity 1: a pending wake-up
	done    chan struct{} // closed when the goroutine has returned
	once    sync.Once
}

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}} }

func (h *hub) subscribe(fn func(Event)) (cancel func()) {
	s := &subscriber{fn: fn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(s.done)
		return func() {}
	}
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go s.run()
	return func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
		s.stop()
	}
}

// publish queues c for every subscriber. Callers hold their store's write lock, so queues
// receive changes in commit order.
func (h *hub) publish(c committed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.mu.Lock()
		if !s.stopped {
			s.queue = append(s.queue, c)
		}
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// close stops every subscriber and waits for their goroutines.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	subs := h.subs
	h.subs = map[*subscriber]struct{}{}
	h.mu.Unlock()
	for s := range subs {
		s.stop()
	}
}

func (s *subscriber) stop() {
	s.once.Do(func() {
		s.mu.Lock()
		s.stopped = true
		s.queue = nil
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	})
	<-s.done
}

func (s *subscriber) run() {
	defer close(s.done)
	for range s.wake {
		for {
			s.mu.Lock()
			if s.stopped {
				s.mu.Unlock()
				return
			}
			if len(s.queue) == 0 {
				s.mu.Unlock()
				break
			}
			c := s.queue[0]
			s.queue[0] = committed{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			r, err := resource.UnmarshalJSON(c.data)
			if err != nil {
				// The store wrote these bytes itself; failing to read them back is a bug.
				panic("store: decode committed resource: " + err.Error())
			}
			s.fn(Event{Type: c.typ, Resource: r, Revision: c.rev})
		}
	}
}
