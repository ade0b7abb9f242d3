/*
 * impact_tree — the distribution tree of an IMPACT reply as Graphviz DOT
 * (`yima impact --dot`, and `--svg` through Graphviz), readable when the
 * lot is spread over hundreds of sites.
 *
 * Sites are grouped by kind, and by region when IMPACT's site record has
 * one, each group a cluster.  A group of more than IMPACT_TREE_SHOW sites
 * shows the sites that matter in a recall — past the acknowledgement
 * deadline, diverted, holding or awaiting stock, moving the lot after the
 * recall — at most IMPACT_TREE_SHOW of them, most urgent first; the rest
 * of the group is one box with their counts, and edges to and from the
 * sites in it are added up.  `all_sites` draws every site (as the web
 * page does when the reader opens every group).  The same rules as
 * clients/web/tree.js.  The lots repackaged from the lot (IMPACT's
 * derived) are drawn apart, each a node with its units by status, linked
 * from the lot it was made from.
 */
#ifndef YIMA_IMPACT_TREE_H
#define YIMA_IMPACT_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "resp.h"

#define IMPACT_TREE_SHOW 6

struct impact_tree_opts {
	bool all_sites;
	/* Sites a diversion of this lot reached (ids), drawn as diverted. */
	const char *const *diverted;
	size_t ndiverted;
};

/* Write the DOT graph of an IMPACT reply (a map) to f. */
void impact_tree_dot(FILE *f, const struct resp_value *impact, const struct impact_tree_opts *o);

#endif
