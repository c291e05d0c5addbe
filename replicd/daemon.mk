# daemon: owned by the daemon part (see replicd/local.mk)
