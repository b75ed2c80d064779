package eventq

import (
	"math/rand/v2"
	"testing"
)

func TestOrderAndTieBreak(t *testing.T) {
	q := New(0)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		q.Push(Event{At: int64(r.IntN(50)), Arg: int32(i)})
	}
	var last Event
	for i := 0; q.Len() > 0; i++ {
		e, _ := q.Pop()
		if i > 0 && (e.At < last.At || (e.At == last.At && e.Arg < last.Arg)) {
			t.Fatalf("pop %d: %+v after %+v", i, e, last)
		}
		if q.Now() != e.At {
			t.Fatalf("clock %d, event at %d", q.Now(), e.At)
		}
		last = e
	}
	if _, ok := q.Pop(); ok {
		t.Fatal("pop from empty queue succeeded")
	}
}

func TestPastEventsRunNow(t *testing.T) {
	q := New(0)
	q.Push(Event{At: 10})
	q.Pop()
	q.Push(Event{At: 3})
	if at, _ := q.PeekAt(); at != 10 {
		t.Fatalf("past event scheduled at %d, want clock 10", at)
	}
}
