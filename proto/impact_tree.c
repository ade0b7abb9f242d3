/*
 * impact_tree — IMPACT's distribution tree as DOT, grouped and folded
 * (impact_tree.h).
 *
 * A node of the graph is a site, or a group's folded rest ("more N": site
 * ids cannot hold a space, so the two never meet).  Edges are IMPACT's
 * edges and transit, from the node of their sender to the node of their
 * receiver, added up when several land on the same pair.  The lots
 * repackaged from this one are nodes of their own ("lot PRODUCT LOT"),
 * linked from the lot each was made from.
 */
#include "impact_tree.h"
#include "buf.h"
#include "resp_map.h"
#include "text.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

struct tsite {
	const char *id, *kind, *region;
	long long stock, held, dispensed;
	bool late, diverted, after, acked;
	size_t group;
	bool folded;		/* drawn in its group's "more" box */
};

struct tgroup {
	const char *kind, *region;
	struct tsite **member;
	size_t n, nfolded;
};

struct tflow {
	const char *from, *to;	/* node names: a site id or "more N" */
	long long units;
	int kind;		/* FLOW_* */
};

enum { FLOW_SHIP, FLOW_RETURN, FLOW_TRANSIT };

static const char *text(const struct resp_value *v, const char *key)
{
	const char *s = resp_get_str(v, key);
	return s ? s : "";
}

static int kind_rank(const char *kind)
{
	static const char *const order[] = { "manufacturer", "distributor", "hospital",
					     "pharmacy", "regulator" };
	for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
		if (strcmp(kind, order[i]) == 0)
			return i;
	return (int)(sizeof order / sizeof order[0]);
}

static bool matters(const struct tsite *s)
{
	return s->late || s->diverted || s->held > 0 || s->after;
}

/* Most urgent first: late, diverted, then what a site holds, then its id. */
static int by_weight(const void *a, const void *b)
{
	const struct tsite *x = *(struct tsite *const *)a, *y = *(struct tsite *const *)b;
	int wx = 4 * x->late + 2 * x->diverted + matters(x);
	int wy = 4 * y->late + 2 * y->diverted + matters(y);
	if (wx != wy)
		return wy - wx;
	if (x->held != y->held)
		return y->held > x->held ? 1 : -1;
	return strcmp(x->id, y->id);
}

static int by_group(const void *a, const void *b)
{
	const struct tgroup *x = a, *y = b;
	int rx = kind_rank(x->kind), ry = kind_rank(y->kind);
	if (rx != ry)
		return rx - ry;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->region, y->region);
}

static int by_id(const void *a, const void *b)
{
	return strcmp((*(struct tsite *const *)a)->id, (*(struct tsite *const *)b)->id);
}

/* Text inside a DOT string: what text.h refuses escaped, then quotes and
 * backslashes escaped, line breaks and other control characters dropped. */
static void dot_text(FILE *f, const char *s)
{
	struct buf safe = BUF_INIT;
	text_escape(&safe, s, strlen(s));
	for (size_t i = 0; i < safe.len; i++) {
		char c = safe.data[i];
		if (c == '"' || c == '\\')
			fputc('\\', f);
		if ((unsigned char)c >= ' ')
			fputc(c, f);
	}
	buf_free(&safe);
}

static void dot_id(FILE *f, const char *s)
{
	fputc('"', f);
	dot_text(f, s);
	fputc('"', f);
}

static struct tsite *find(struct tsite **by, size_t n, const char *id)
{
	struct tsite key = { .id = id }, *k = &key;
	struct tsite **hit = bsearch(&k, by, n, sizeof *by, by_id);
	return hit ? *hit : NULL;
}

static void add_flow(struct tflow **flows, size_t *n, size_t *cap, const char *from,
		     const char *to, long long units, int kind)
{
	if (strcmp(from, to) == 0)	/* within one folded box */
		return;
	for (size_t i = 0; i < *n; i++) {
		struct tflow *f = &(*flows)[i];
		if (f->kind == kind && strcmp(f->from, from) == 0 && strcmp(f->to, to) == 0) {
			f->units += units;
			return;
		}
	}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*flows = xrealloc(*flows, *cap * sizeof **flows);
	}
	/* Node names outlive the flows: site ids are the reply's, boxes' are
	 * kept by the caller for the whole drawing. */
	(*flows)[(*n)++] = (struct tflow){ from, to, units, kind };
}

static void draw_site(FILE *f, const struct tsite *s)
{
	fprintf(f, "    ");
	dot_id(f, s->id);
	fprintf(f, " [label=\"");
	dot_text(f, s->id);
	fprintf(f, "\\n");
	dot_text(f, s->kind);
	const char *colour = s->late ? ", color=red, penwidth=2" :
			     s->diverted ? ", color=darkorange, penwidth=2" :
			     s->acked ? ", color=darkgreen" : "";
	fprintf(f, "\\nstock %lld, sold %lld%s%s\"%s];\n", s->stock, s->dispensed,
		s->late ? "\\nLATE" : "", s->diverted ? "\\nDIVERTED" : "", colour);
}

static void draw_folded(FILE *f, const struct tgroup *g, size_t gi)
{
	long long stock = 0, sold = 0;
	size_t late = 0, diverted = 0;
	for (size_t i = 0; i < g->n; i++) {
		const struct tsite *s = g->member[i];
		if (!s->folded)
			continue;
		stock += s->stock;
		sold += s->dispensed;
		late += s->late;
		diverted += s->diverted;
	}
	fprintf(f, "    \"more %zu\" [label=\"%zu more ", gi, g->nfolded);
	dot_text(f, g->kind);
	fprintf(f, " sites\\nstock %lld, sold %lld", stock, sold);
	if (late)
		fprintf(f, "\\n%zu late", late);
	if (diverted)
		fprintf(f, "\\n%zu diverted", diverted);
	fprintf(f, "\", style=\"dashed\"%s];\n", late ? ", color=red" : "");
}

/* A lot's node name: "lot PRODUCT LOT" (a site id holds no space). */
static void lot_node(FILE *f, const char *product, const char *lot)
{
	fputs("\"lot ", f);
	dot_text(f, product);
	fputc(' ', f);
	dot_text(f, lot);
	fputc('"', f);
}

/* The derived lot (product, lot) of the reply, or NULL. */
static const struct resp_value *find_derived(const struct resp_value *derived,
					     const char *product, const char *lot)
{
	for (size_t i = 0; derived && i < derived->n; i++)
		if (strcmp(text(&derived->elem[i], "product"), product) == 0 &&
		    strcmp(text(&derived->elem[i], "lot"), lot) == 0)
			return &derived->elem[i];
	return NULL;
}

/* Is the lot recalled, by its own recall or through the lots it was made
 * from (VERIFY answers RED recalled either way)?  depth bounds a cycle a
 * broken reply could hold (a store follows 8 repackagings). */
static bool lot_recalled(const struct resp_value *v, const char *product, const char *lot,
			 int depth)
{
	const struct resp_value *d = find_derived(resp_get_list(v, "derived"), product, lot);
	if (d != NULL)
		return strcmp(text(d, "status"), "recalled") == 0 ||
		       (depth > 0 && lot_recalled(v, text(d, "from_product"),
						  text(d, "from_lot"), depth - 1));
	if (strcmp(product, text(v, "product")) != 0)
		return false;
	if (strcmp(lot, text(v, "lot")) == 0)
		return strcmp(text(v, "status"), "recalled") == 0;
	const struct resp_value *lots = resp_get_list(v, "lots");
	for (size_t i = 0; lots && i < lots->n; i++)
		if (strcmp(text(&lots->elem[i], "lot"), lot) == 0)
			return strcmp(text(&lots->elem[i], "status"), "recalled") == 0;
	return false;
}

/*
 * The lots repackaged from this one (IMPACT's derived, any depth): each a
 * node with its units by status, linked from the lot it was made from.  A
 * source that is no derived lot (this lot; for IMPACT PRODUCT, any of its
 * lots) is a node of its own, drawn once, with its units when the reply
 * has them (totals, or the product's lots).
 */
static void draw_derived(FILE *f, const struct resp_value *v)
{
	const struct resp_value *derived = resp_get_list(v, "derived");
	const struct resp_value *lots = resp_get_list(v, "lots");
	if (derived == NULL || derived->n == 0)
		return;
	fprintf(f, "  subgraph \"cluster derived\" {\n    label=\"repackaged: %zu lot%s, "
		"%lld units\";\n    style=rounded;\n    color=steelblue;\n", derived->n,
		derived->n == 1 ? "" : "s",
		resp_get_num(resp_get(v, "totals"), "derived_units"));
	for (size_t i = 0; i < derived->n; i++) {
		const struct resp_value *d = &derived->elem[i];
		bool own = strcmp(text(d, "status"), "recalled") == 0;
		bool recalled = own || lot_recalled(v, text(d, "from_product"),
						    text(d, "from_lot"), 8);
		fprintf(f, "    ");
		lot_node(f, text(d, "product"), text(d, "lot"));
		fprintf(f, " [label=\"");
		dot_text(f, text(d, "product"));
		fprintf(f, " lot ");
		dot_text(f, text(d, "lot"));
		fprintf(f, "\\n%lld units: stock %lld, in transit %lld, sold %lld, destroyed %lld",
			resp_get_num(d, "units"), resp_get_num(d, "in_stock"),
			resp_get_num(d, "in_transit"), resp_get_num(d, "dispensed"),
			resp_get_num(d, "destroyed"));
		if (resp_get_num(d, "decommissioned"))
			fprintf(f, ", decommissioned %lld", resp_get_num(d, "decommissioned"));
		if (resp_get_num(d, "transformed"))
			fprintf(f, ", repackaged %lld", resp_get_num(d, "transformed"));
		fprintf(f, "%s\", style=\"rounded,filled\", fillcolor=aliceblue%s];\n",
			own ? "\\nRECALLED" : recalled ? "\\nRECALLED with its source" : "",
			recalled ? ", color=red, penwidth=2" : "");
	}
	fprintf(f, "  }\n");
	/* the sources that are no derived lot, each once */
	for (size_t i = 0; i < derived->n; i++) {
		const char *fp = text(&derived->elem[i], "from_product");
		const char *fl = text(&derived->elem[i], "from_lot");
		bool drawn = find_derived(derived, fp, fl) != NULL;
		for (size_t j = 0; j < i && !drawn; j++)
			drawn = strcmp(text(&derived->elem[j], "from_product"), fp) == 0 &&
				strcmp(text(&derived->elem[j], "from_lot"), fl) == 0;
		if (drawn)
			continue;
		long long units = -1;
		if (strcmp(fp, text(v, "product")) == 0 && strcmp(fl, text(v, "lot")) == 0)
			units = resp_get_num(resp_get(v, "totals"), "units");
		for (size_t j = 0; lots && j < lots->n && units < 0; j++)
			if (strcmp(text(&lots->elem[j], "lot"), fl) == 0)
				units = resp_get_num(&lots->elem[j], "units");
		fprintf(f, "  ");
		lot_node(f, fp, fl);
		fprintf(f, " [label=\"");
		dot_text(f, fp);
		fprintf(f, " lot ");
		dot_text(f, fl);
		if (units >= 0)
			fprintf(f, "\\n%lld units", units);
		fprintf(f, "%s\", style=\"rounded,bold\"%s];\n",
			lot_recalled(v, fp, fl, 0) ? "\\nRECALLED" : "",
			lot_recalled(v, fp, fl, 0) ? ", color=red" : "");
	}
	for (size_t i = 0; i < derived->n; i++) {
		const struct resp_value *d = &derived->elem[i];
		fprintf(f, "  ");
		lot_node(f, text(d, "from_product"), text(d, "from_lot"));
		fprintf(f, " -> ");
		lot_node(f, text(d, "product"), text(d, "lot"));
		fprintf(f, " [label=\"repackaged into %lld\", color=steelblue];\n",
			resp_get_num(d, "units"));
	}
}

void impact_tree_dot(FILE *f, const struct resp_value *v, const struct impact_tree_opts *o)
{
	const struct resp_value *sites = resp_get_list(v, "sites");
	size_t n = sites ? sites->n : 0, ngroup = 0;
	struct tsite *site = xcalloc(n ? n : 1, sizeof *site);
	struct tsite **by = xcalloc(n ? n : 1, sizeof *by);
	struct tgroup *group = xcalloc(n ? n : 1, sizeof *group);
	for (size_t i = 0; i < n; i++) {
		const struct resp_value *e = &sites->elem[i];
		const struct resp_value *after = resp_get(e, "after_recall");
		const struct resp_value *late = resp_get(e, "past_deadline");
		struct tsite *s = &site[i];
		s->id = text(e, "site");
		s->kind = text(e, "kind");
		s->region = text(e, "region");
		s->stock = resp_get_num(e, "in_stock");
		s->held = s->stock + resp_get_num(e, "in_transit") + resp_get_num(e, "incoming");
		s->dispensed = resp_get_num(e, "dispensed");
		s->late = late && late->type == RESP_T_BOOL && late->integer;
		s->acked = resp_get_str(e, "acknowledged") != NULL;
		s->after = resp_get_num(after, "commissioned") + resp_get_num(after, "shipped") +
			   resp_get_num(after, "received") > 0;
		for (size_t d = 0; d < o->ndiverted; d++)
			s->diverted |= strcmp(o->diverted[d], s->id) == 0;
		by[i] = s;
		size_t g = 0;
		while (g < ngroup && (strcmp(group[g].kind, s->kind) != 0 ||
				      strcmp(group[g].region, s->region) != 0))
			g++;
		if (g == ngroup)
			group[ngroup++] = (struct tgroup){ s->kind, s->region, NULL, 0, 0 };
		group[g].n++;
	}
	qsort(group, ngroup, sizeof *group, by_group);
	for (size_t g = 0; g < ngroup; g++) {
		group[g].member = xcalloc(group[g].n, sizeof *group[g].member);
		group[g].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t g = 0;
		while (strcmp(group[g].kind, site[i].kind) != 0 ||
		       strcmp(group[g].region, site[i].region) != 0)
			g++;
		site[i].group = g;
		group[g].member[group[g].n++] = &site[i];
	}
	/* Fold: past the first SHOW sites that matter, or those that do not. */
	for (size_t g = 0; g < ngroup; g++) {
		struct tgroup *gr = &group[g];
		qsort(gr->member, gr->n, sizeof *gr->member, by_weight);
		if (o->all_sites || gr->n <= IMPACT_TREE_SHOW)
			continue;
		for (size_t i = 0; i < gr->n; i++) {
			gr->member[i]->folded = i >= IMPACT_TREE_SHOW || !matters(gr->member[i]);
			gr->nfolded += gr->member[i]->folded;
		}
	}
	qsort(by, n, sizeof *by, by_id);

	fprintf(f, "digraph impact {\n  rankdir=LR;\n  nodesep=0.12;\n  ranksep=1.2;\n"
		"  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
		"  edge [fontname=\"Helvetica\", fontsize=9];\n  label=\"");
	dot_text(f, text(v, "product"));
	fprintf(f, " lot ");
	dot_text(f, text(v, "lot"));
	const struct resp_value *recall = resp_get(v, "recall");
	fprintf(f, "%s: %zu sites%s\";\n  labelloc=t;\n",
		recall && recall->type == RESP_T_MAP ? " (recalled)" : "", n,
		o->all_sites ? "" : "; each group shows its sites late, diverted or holding "
		"stock, the rest in one dashed box (--all-sites: every site)");
	for (size_t g = 0; g < ngroup; g++) {
		const struct tgroup *gr = &group[g];
		fprintf(f, "  subgraph \"cluster %zu\" {\n    label=\"", g);
		dot_text(f, gr->kind[0] ? gr->kind : "other");
		if (gr->region[0]) {
			fprintf(f, ", ");
			dot_text(f, gr->region);
		}
		fprintf(f, ": %zu site%s\";\n    style=rounded;\n    color=grey;\n", gr->n,
			gr->n == 1 ? "" : "s");
		for (size_t i = 0; i < gr->n; i++)
			if (!gr->member[i]->folded)
				draw_site(f, gr->member[i]);
		if (gr->nfolded)
			draw_folded(f, gr, g);
		fprintf(f, "  }\n");
	}

	/* Flows between the nodes drawn; a name of a folded box lives in
	 * names[] until the end. */
	struct tflow *flows = NULL;
	size_t nflow = 0, capflow = 0;
	char (*names)[32] = xcalloc(ngroup ? ngroup : 1, sizeof *names);
	for (size_t g = 0; g < ngroup; g++)
		snprintf(names[g], sizeof names[g], "more %zu", g);
	static const char *const lists[] = { "edges", "transit" };
	for (int l = 0; l < 2; l++) {
		const struct resp_value *es = resp_get_list(v, lists[l]);
		for (size_t i = 0; es && i < es->n; i++) {
			const struct resp_value *e = &es->elem[i];
			struct tsite *a = find(by, n, text(e, "from"));
			struct tsite *b = find(by, n, text(e, "to"));
			if (a == NULL || b == NULL)
				continue;
			int kind = l == 1 ? FLOW_TRANSIT : strcmp(text(e, "kind"), "return") == 0 ?
				   FLOW_RETURN : FLOW_SHIP;
			add_flow(&flows, &nflow, &capflow, a->folded ? names[a->group] : a->id,
				 b->folded ? names[b->group] : b->id, resp_get_num(e, "units"), kind);
		}
	}
	for (size_t i = 0; i < nflow; i++) {
		const struct tflow *fl = &flows[i];
		fprintf(f, "  ");
		dot_id(f, fl->from);
		fprintf(f, " -> ");
		dot_id(f, fl->to);
		if (fl->kind == FLOW_TRANSIT)
			fprintf(f, " [label=\"%lld in transit\", style=dotted];\n", fl->units);
		else
			fprintf(f, " [label=\"%lld\"%s];\n", fl->units,
				fl->kind == FLOW_RETURN ? ", style=dashed, color=red" : "");
	}
	draw_derived(f, v);
	fprintf(f, "}\n");
	for (size_t g = 0; g < ngroup; g++)
		free(group[g].member);
	free(names);
	free(flows);
	free(group);
	free(by);
	free(site);
}
