package auth

import (
	"context"
	"fmt"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
)

// authorizationKey is the gRPC metadata key for the bearer token (lower case, as gRPC wants).
const authorizationKey = "authorization"

// BearerCredentials returns per-RPC credentials that send token as "authorization: Bearer
// <token>". They refuse to travel over a connection without transport security.
func BearerCredentials(token string) credentials.PerRPCCredentials { return bearer(token) }

type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{authorizationKey: "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

// TokenFromContext returns the bearer token of an incoming gRPC call.
func TokenFromContext(ctx context.Context) (string, error) {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return "", ErrMissing
	}
	vals := md.Get(authorizationKey)
	switch len(vals) {
	case 0:
		return "", ErrMissing
	case 1:
		return BearerToken(vals[0])
	default:
		return "", fmt.Errorf("%w: %d authorization values", ErrMalformed, len(vals))
	}
}
