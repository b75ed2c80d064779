package kds

import (
	"google.golang.org/grpc"
)

// The zone → global stream has no .proto: it is a hand-written service whose messages are
// envoy's delta messages, used the other way round from xDS. The zone sends
// DeltaDiscoveryResponse (type URL, added/updated Resources, RemovedResources, Nonce;
// SystemVersionInfo "full" marks the zone's complete set of that type, which replaces what
// global held). Global answers each with a DeltaDiscoveryRequest carrying the same type URL
// and ResponseNonce: an ACK, or a NACK with ErrorDetail.
const (
	uploadService = "zonemesh.kds.v1.ZoneSync"
	uploadMethod  = "/" + uploadService + "/Upload"

	// FullState in SystemVersionInfo marks a message holding the zone's whole set of a type.
	FullState = "full"
	// HeartbeatType is the type URL of the zone's empty heartbeat messages; global ACKs them.
	HeartbeatType = TypePrefix + "Heartbeat"
)

// uploadHandlerType is what the service's implementation must be (checked by RegisterService).
type uploadHandlerType interface {
	upload(grpc.ServerStream) error
}

var uploadStreamDesc = grpc.StreamDesc{
	StreamName:    "Upload",
	ServerStreams: true,
	ClientStreams: true,
	Handler: func(srv any, stream grpc.ServerStream) error {
		return srv.(uploadHandlerType).upload(stream)
	},
}

var uploadServiceDesc = grpc.ServiceDesc{
	ServiceName: uploadService,
	HandlerType: (*uploadHandlerType)(nil),
	Streams:     []grpc.StreamDesc{uploadStreamDesc},
	Metadata:    "zonemesh/kds/upload",
}
