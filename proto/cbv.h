/*
 * cbv.h — GS1 Core Business Vocabulary terms as EPCIS documents write
 * them: bare ("shipping"), or in one of their URI forms
 * ("https://ref.gs1.org/cbv/BizStep-shipping", "cbv:BizStep-shipping",
 * "urn:epcglobal:cbv:bizstep:shipping").  Shared by the EPCIS reader
 * (load_epcis.c) and the EPCIS query (daemon/epcis_query.c).
 */
#ifndef YIMA_CBV_H
#define YIMA_CBV_H

/* The bare term of s in vocabulary vocab ("BizStep", "Disp", "SDT",
 * "BTT") whose CBV 1.x URN prefix is urn ("urn:epcglobal:cbv:bizstep:");
 * s itself when it is in none of the URI forms; NULL for NULL. */
const char *cbv_term(const char *s, const char *vocab, const char *urn);

#endif
