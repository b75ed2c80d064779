package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ignored lists informational fields accepted on any message: they change nothing the proxy does.
var ignored = []string{"stat_prefix", "traffic_direction", "metadata", "alt_stat_name"}

// only returns an error naming the first set field of m that is not in allowed. This is how the
// proxy refuses config outside its subset instead of silently misbehaving.
func only(m proto.Message, path string, allowed ...string) error {
	var err error
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		n := string(fd.Name())
		if !slices.Contains(allowed, n) && !slices.Contains(ignored, n) {
			err = fmt.Errorf("%s.%s: not supported", path, n)
			return false
		}
		return true
	})
	return err
}

type validator interface{ ValidateAll() error }

// unpack unmarshals an Any into a new message of the expected type and validates it: PGV's
// ValidateAll does not descend into Any fields, so every typed config is checked on its own.
func unpack[T proto.Message](a *anypb.Any, path string, m T) (T, error) {
	if a == nil {
		return m, fmt.Errorf("%s: missing typed_config", path)
	}
	if err := a.UnmarshalTo(m); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	if v, ok := any(m).(validator); ok {
		if err := v.ValidateAll(); err != nil {
			return m, fmt.Errorf("%s: %w", path, err)
		}
	}
	return m, nil
}

// typeName is the full message name inside an Any, e.g. envoy.config.cluster.v3.Cluster.
func typeName(a *anypb.Any) string {
	if a == nil {
		return ""
	}
	u := a.GetTypeUrl()
	return u[strings.LastIndexByte(u, '/')+1:]
}

func dur(d *durationpb.Duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return d.AsDuration()
}
