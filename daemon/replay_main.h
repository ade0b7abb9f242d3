/*
 * replay_main — `yimad --replay SRC --data DST`: the log of the store in
 * SRC applied to the empty store in DST (replay.h), then the two compared:
 * the heads of the event chain and of the log's chain, and every record
 * (statecmp.h).
 *
 * SRC is opened read only (a stopped store, a copy, or even a running
 * yimad's, whose log is read as it was when replay began).  DST must be
 * new or empty.  Prints what it did on stdout; errors on stderr.  Run it
 * with the config SRC was written under: the verification policy decides
 * writes and is not in the log (replay.h).
 */
#ifndef YIMA_REPLAY_MAIN_H
#define YIMA_REPLAY_MAIN_H

struct config;

/* Exit status: 0 when the heads match and every record is the same, 1
 * when not (or an entry was refused), 2 when the stores cannot be opened
 * or read. */
int replay_main(const struct config *cfg, const char *src);

#endif
