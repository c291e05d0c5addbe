# ocf: the resource agents (provider mirror)
