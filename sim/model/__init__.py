"""The model layer: a scenario compiled into a network, and one replication simulated in SimPy.

Read in this order: `network` (units, routing tables, compiled before the clock starts),
`commissioning` (who pays, budgets, contracts: the commissioners' own processes),
`patients` (referrals and each patient's random attributes, one named stream each),
`simulation` (the patient pathway), `records` (what a run produced), `kpis` and
`kpi_catalogue` (the fixed output vocabulary), `invariants` (accounting checks).
`engine` holds every SimPy performance trick in one place. The model knows nothing of
replications, executors, plotting or the command line.
"""
