package auth

import "errors"

// Errors of token checks; each failure wraps exactly one of them, so callers (and tests) can
// tell the classes apart with errors.Is.
var (
	ErrMissing      = errors.New("auth: token missing")
	ErrMalformed    = errors.New("auth: token malformed")
	ErrBadSignature = errors.New("auth: token signature invalid")
	ErrExpired      = errors.New("auth: token expired")
	ErrNotYetValid  = errors.New("auth: token not valid yet")
	// ErrWrongSubject: a valid token issued for another zone or dataplane.
	ErrWrongSubject = errors.New("auth: token issued for another subject")
	// ErrWrongType: a valid token of another type (a dataplane token presented as a zone token).
	ErrWrongType = errors.New("auth: wrong token type")
	// ErrWrongToken: an admin token that does not match.
	ErrWrongToken = errors.New("auth: wrong admin token")
)
