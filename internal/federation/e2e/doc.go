// Package e2e tests federation end to end: whole Parvis instances, as
// processes or in one test process, following, posting and blocking each
// other over HTTP on loopback. It has no code of its own.
package e2e
