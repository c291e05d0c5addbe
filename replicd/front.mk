# front: owned by the front part (see replicd/local.mk)
