// Package storetest is the conformance suite every store.Store implementation passes: call Run
// from the implementation's tests with a factory for fresh, empty stores.
package storetest
