package eventq

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

// events is a binary min-heap ordered by (At, Seq). It is sifted here on the concrete type
// rather than through container/heap: its Less and Swap interface calls were most of the
// queue's cost, and the queue is a sixth of the model's (docs/bench/sim.md).
type events []Event

func before(a, b *Event) bool {
	if a.At != b.At {
		return a.At < b.At
	}
	return a.Seq < b.Seq
}

// up moves the event at j towards the root until its parent is earlier.
func (h events) up(j int) {
	e := h[j]
	for j > 0 {
		p := (j - 1) / 2
		if !before(&e, &h[p]) {
			break
		}
		h[j] = h[p]
		j = p
	}
	h[j] = e
}

// down moves the event at i towards the leaves until both children are later.
func (h events) down(i int) {
	e, n := h[i], len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && before(&h[r], &h[c]) {
			c = r
		}
		if !before(&h[c], &e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = e
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
	q.h.up(len(q.h) - 1)
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
		q.h.down(0)
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
