# proto: owned by the proto part (see replicd/local.mk)
