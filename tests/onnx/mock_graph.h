/* Test-only stand-in for the graph builder (see mock_graph.c). */
#ifndef POLYVIS_TEST_MOCK_GRAPH_H
#define POLYVIS_TEST_MOCK_GRAPH_H

#include <polyvis/graph.h>

/* How many nodes of `op` the importer emitted. */
int pv_mock_graph_op_count(const pv_graph *g, pv_op op);

/* The op of node i (in emission order) and its attributes; -1 if none. */
int pv_mock_graph_node(const pv_graph *g, int i, pv_op_attrs *attrs);

#endif
