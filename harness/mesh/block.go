package mesh

import (
	"bufio"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// pickBlock draws the run's loopback block (127.<block>.0.0/16) at random among the blocks
// no socket listens in, so two runs side by side do not probe each other's components: a
// global that failed to bind would otherwise look healthy through the other run's /healthz.
// Where /proc/net/tcp cannot be read, any block may be drawn.
func pickBlock() byte {
	used := listeningBlocks("/proc/net/tcp")
	var free []byte
	for b := 1; b <= 254; b++ {
		if !used[byte(b)] {
			free = append(free, byte(b))
		}
	}
	if len(free) == 0 {
		return byte(1 + rand.IntN(254))
	}
	return free[rand.IntN(len(free))]
}

// listeningBlocks reads a /proc/net/tcp table and returns the second octets of the 127/8
// addresses that have a listening socket.
func listeningBlocks(path string) map[byte]bool {
	used := map[byte]bool{}
	f, err := os.Open(path)
	if err != nil {
		return used
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "  sl  local_address rem_address   st ...": local_address is the address in hex, in
		// host byte order (little endian here), a colon and the port; st 0A is LISTEN.
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 || fs[3] != "0A" {
			continue
		}
		addr, _, ok := strings.Cut(fs[1], ":")
		if !ok || len(addr) != 8 {
			continue
		}
		v, err := strconv.ParseUint(addr, 16, 32)
		if err != nil {
			continue
		}
		if byte(v) == 127 {
			used[byte(v>>8)] = true
		}
	}
	return used
}
