package eventq

import "container/heap"

// Event is one scheduled happening. It is a plain 32-byte value: the queue never boxes it, so
// pushing and popping allocate nothing once the backing slice has grown.
type Event struct {
	At    int64  // virtual time, nanoseconds since the start of the run
	Seq   uint64 // insertion order, the tie-break that makes equal times deterministic
	Arg   int32  // kind-specific argument (a version, an index)
	Zone  int32  // zone index, or -1
	Epoch uint32 // zone incarnation the event belongs to; stale events are dropped by the model
	Kind  uint8
}

// events implements heap.Interface over the concrete slice. Push and Pop are only there to
// satisfy the interface: Queue appends and truncates the slice itself and uses heap.Fix to
// restore order, which keeps values out of interface{} on the hot path.
type events []Event

func (h events) Len() int { return len(h) }
func (h events) Less(i, j int) bool {
	if h[i].At != h[j].At {
		return h[i].At < h[j].At
	}
	return h[i].Seq < h[j].Seq
}
func (h events) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *events) Push(x any)   { *h = append(*h, x.(Event)) }
func (h *events) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// Queue is a min-heap of events with a virtual clock: Now is the time of the last popped event.
type Queue struct {
	h   events
	seq uint64
	now int64
}

// New returns a queue with room for capacity events.
func New(capacity int) *Queue { return &Queue{h: make(events, 0, capacity)} }

// Len is the number of pending events.
func (q *Queue) Len() int { return len(q.h) }

// Now is the virtual time of the last popped event.
func (q *Queue) Now() int64 { return q.now }

// Push schedules e, stamping its sequence number. Events in the past are moved to Now so the
// clock never runs backwards.
func (q *Queue) Push(e Event) {
	if e.At < q.now {
		e.At = q.now
	}
	q.seq++
	e.Seq = q.seq
	q.h = append(q.h, e)
	heap.Fix(&q.h, len(q.h)-1)
}

// Pop removes the earliest event and advances the clock to it. ok is false when empty.
func (q *Queue) Pop() (e Event, ok bool) {
	n := len(q.h)
	if n == 0 {
		return Event{}, false
	}
	e = q.h[0]
	q.h[0] = q.h[n-1]
	q.h = q.h[:n-1]
	if n > 1 {
		heap.Fix(&q.h, 0)
	}
	q.now = e.At
	return e, true
}

// PeekAt is the time of the earliest event; ok is false when empty.
func (q *Queue) PeekAt() (at int64, ok bool) {
	if len(q.h) == 0 {
		return 0, false
	}
	return q.h[0].At, true
}
