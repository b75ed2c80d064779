package zone

import "testing"

func TestRingKeepsTheLastEntriesInOrder(t *testing.T) {
	r := newRing[uint64](3)
	for i := 0; i < 5; i++ {
		r.add(func(seq uint64) uint64 { return seq })
	}
	if got := r.since(0); len(got) != 3 || got[0] != 3 || got[2] != 5 {
		t.Fatalf("since(0) = %v; want [3 4 5]", got)
	}
	if got := r.since(4); len(got) != 1 || got[0] != 5 {
		t.Fatalf("since(4) = %v; want [5]", got)
	}
	if got := r.since(5); len(got) != 0 {
		t.Fatalf("since(5) = %v; want []", got)
	}
}
