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

// Interleaved pushes and pops (the simulator's pattern) pop exactly what a linear scan for the
// earliest (At, Seq) would: the heap keeps its order however it is used.
func TestInterleavedMatchesLinearScan(t *testing.T) {
	q := New(0)
	r := rand.New(rand.NewPCG(3, 4))
	var ref []Event
	var seq uint64
	for i := range 20000 {
		if len(ref) == 0 || r.IntN(3) > 0 {
			at := q.Now() + int64(r.IntN(100))
			q.Push(Event{At: at, Arg: int32(i)})
			seq++
			ref = append(ref, Event{At: at, Seq: seq, Arg: int32(i)})
			continue
		}
		k := 0
		for j := range ref {
			if before(&ref[j], &ref[k]) {
				k = j
			}
		}
		want := ref[k]
		ref = append(ref[:k], ref[k+1:]...)
		got, ok := q.Pop()
		if !ok || got.Arg != want.Arg || got.At != want.At {
			t.Fatalf("op %d: popped %+v (ok %v), want %+v", i, got, ok, want)
		}
	}
}
