package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrNotTLS means a connection's first bytes are not a TLS handshake record.
var ErrNotTLS = errors.New("proxy: not a TLS ClientHello")

// maxHello bounds how much the ingress buffers while looking for the server name.
const maxHello = 64 << 10

// readClientHello reads the records holding the ClientHello from r without answering it, and
// returns those bytes (to replay upstream) and the SNI ("" if the hello carries none).
func readClientHello(r io.Reader) ([]byte, string, error) {
	var buf []byte
	var msg []byte // handshake bytes reassembled from the records' payloads
	for {
		var hdr [5]byte
		got, err := io.ReadFull(r, hdr[:])
		if got > 0 && len(buf) == 0 && hdr[0] != 0x16 {
			return nil, "", ErrNotTLS
		}
		if err != nil {
			return nil, "", fmt.Errorf("read TLS record: %w", err)
		}
		if hdr[0] != 0x16 || hdr[1] != 3 {
			return nil, "", ErrNotTLS
		}
		n := int(binary.BigEndian.Uint16(hdr[3:]))
		if n == 0 || len(buf)+5+n > maxHello {
			return nil, "", fmt.Errorf("%w: bad record length %d", ErrNotTLS, n)
		}
		rec := make([]byte, 5+n)
		copy(rec, hdr[:])
		if _, err := io.ReadFull(r, rec[5:]); err != nil {
			return nil, "", fmt.Errorf("read TLS record: %w", err)
		}
		buf = append(buf, rec...)
		msg = append(msg, rec[5:]...)
		if len(msg) < 4 {
			continue
		}
		if msg[0] != 1 { // client_hello
			return nil, "", fmt.Errorf("%w: handshake type %d", ErrNotTLS, msg[0])
		}
		want := 4 + (int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3]))
		if len(msg) < want {
			continue
		}
		sni, err := parseSNI(msg[4:want])
		if err != nil {
			return nil, "", err
		}
		return buf, sni, nil
	}
}

// parseSNI extracts the host_name of the server_name extension (RFC 6066) from a ClientHello body.
func parseSNI(b []byte) (string, error) {
	bad := fmt.Errorf("%w: malformed ClientHello", ErrNotTLS)
	skip := func(n int) bool {
		if len(b) < n {
			return false
		}
		b = b[n:]
		return true
	}
	vec := func(lenBytes int) ([]byte, bool) {
		if len(b) < lenBytes {
			return nil, false
		}
		n := 0
		for i := 0; i < lenBytes; i++ {
			n = n<<8 | int(b[i])
		}
		if len(b) < lenBytes+n {
			return nil, false
		}
		v := b[lenBytes : lenBytes+n]
		b = b[lenBytes+n:]
		return v, true
	}
	if !skip(2 + 32) { // legacy_version, random
		return "", bad
	}
	for _, l := range []int{1, 2, 1} { // session_id, cipher_suites, compression_methods
		if _, ok := vec(l); !ok {
			return "", bad
		}
	}
	if len(b) == 0 {
		return "", nil // no extensions
	}
	exts, ok := vec(2)
	if !ok {
		return "", bad
	}
	b = exts
	for len(b) >= 4 {
		typ := binary.BigEndian.Uint16(b)
		b = b[2:]
		data, ok := vec(2)
		if !ok {
			return "", bad
		}
		if typ != 0 {
			continue
		}
		b = data
		list, ok := vec(2)
		if !ok {
			return "", bad
		}
		b = list
		for len(b) >= 3 {
			nameType := b[0]
			b = b[1:]
			name, ok := vec(2)
			if !ok {
				return "", bad
			}
			if nameType == 0 {
				return string(name), nil
			}
		}
		return "", bad
	}
	return "", nil
}
