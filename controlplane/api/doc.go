// Package api is the control plane's REST API (apply, get, list, delete resources; zone
// status; a proxy's config; health and metrics) and the Go client for it.
//
// Writes need the admin token as "Authorization: Bearer <token>", are validated whole before
// anything is stored, and are answered only once the store has made them durable. Every error
// is a JSON object {"error": "...", "field": "..."} with a matching status.
package api
