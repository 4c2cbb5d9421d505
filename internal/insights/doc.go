// Package insights computes what Parvis tells its users about their audience
// and conversations: influence (PageRank over interactions), the structure
// of reply threads, and the topics of conversations (keyphrases). The
// algorithms here are pure: they take values and return values, and the
// command-line front ends read and write streams.
package insights
