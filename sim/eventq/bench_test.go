package eventq

import (
	"container/heap"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. Events per CPU-second is the per-core rate
// even when other processes share the cores and stretch the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

// The hold model: a queue of fixed size where each pop schedules one new event a random
// interval later, the usual way to measure a DES queue. One op = one pop + one push.
const holdSize = 10000

func BenchmarkQueueHold(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	q := New(holdSize)
	for range holdSize {
		q.Push(Event{At: r.Int64N(1e9)})
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		e, _ := q.Pop()
		e.At += r.Int64N(1e9)
		q.Push(e)
	}
	report(b, cpu0)
}

// boxed is the baseline: container/heap used the textbook way, one interface{} per push/pop.
type boxed []Event

func (h boxed) Len() int           { return len(h) }
func (h boxed) Less(i, j int) bool { return h[i].At < h[j].At }
func (h boxed) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *boxed) Push(x any)        { *h = append(*h, x.(Event)) }
func (h *boxed) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func BenchmarkBoxedHeapHold(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	h := make(boxed, 0, holdSize)
	for range holdSize {
		heap.Push(&h, Event{At: r.Int64N(1e9)})
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		e := heap.Pop(&h).(Event)
		e.At += r.Int64N(1e9)
		heap.Push(&h, e)
	}
	report(b, cpu0)
}
