// Package integrity detects manipulated engagement: fake or coordinated
// favourites, boosts, replies and votes, so that they can be kept out of every
// count. It holds the pure detection algorithms over in-memory data and the
// harness that measures them; scheduling scans and the review queue live
// elsewhere.
//
// Every detector reads engagement edges (an account engaged an object, by an
// author, of a kind, at a time) and, where it needs them, per-account facts,
// and returns Findings: which accounts, which objects, when, how strong and
// why. The detectors are:
//
//   - DenseBlocks: FRAUDAR (Hooi et al., KDD 2016) greedy peeling with
//     column weights that resist camouflage, several blocks in turn, each
//     refined to its part that is dense beyond its degrees and judged by a
//     degree-corrected significance test (see BlockTest);
//   - Lockstep: groups of accounts that engaged the same objects within a
//     short window of each other (after CopyCatch and SynchroTrap);
//   - Serial: one account engaging many posts of one author in a short time;
//   - Rings: groups of accounts that engage each other's posts far more than
//     their activity predicts;
//   - Bursts: many young accounts, or accounts sharing a network and client,
//     engaging one target in a short time, beyond their share of engagement.
//
// RunHarness injects known manipulation into organic backgrounds (synthetic
// heavy-tailed graphs, the wiki-Vote graph, a synthetic week of timed
// activity) and reports precision, recall and F1 for each detector.
// RunFraud is the logic of the "parvis analyze fraud" command.
package integrity
