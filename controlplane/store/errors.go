package store

import (
	"errors"
	"fmt"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

var errNilResource = errors.New("store: nil resource")

func notFound(k resource.Key) error { return fmt.Errorf("%w: %s", ErrNotFound, k) }
