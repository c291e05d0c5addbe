# ctl: owned by the ctl part (see replicd/local.mk)
