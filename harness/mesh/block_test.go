package mesh

import (
	"net"
	"strconv"
	"testing"
)

// TestPickBlockAvoidsListeners: a block where something listens is never drawn.
func TestPickBlockAvoidsListeners(t *testing.T) {
	var ls []net.Listener
	for b := 1; b <= 254; b++ {
		if b == 77 {
			continue
		}
		l, err := net.Listen("tcp", "127."+strconv.Itoa(b)+".250.250:0")
		if err != nil {
			t.Skipf("cannot listen on 127.%d/16 here: %v", b, err)
		}
		ls = append(ls, l)
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	used := listeningBlocks("/proc/net/tcp")
	if len(used) == 0 {
		t.Skip("no /proc/net/tcp listeners visible here")
	}
	for i := 0; i < 50; i++ {
		if b := pickBlock(); b != 77 {
			t.Fatalf("drew block %d, where a socket listens; only 77 is free", b)
		}
	}
}
