{
  # The optional native kernels (native/): built by scripts/build-native.mjs at install, loaded by
  # src/native/kernels-native.ts. -ffp-contract=off and no -mfma: a multiply and an add are never fused,
  # so the results are bit for bit those of the other backends.
  "targets": [
    {
      "target_name": "neuron_pursuit_kernels",
      "sources": ["native/addon.c", "native/kernels.c", "native/pool.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-fast-math", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-fast-math"]
      },
      "libraries": ["-lpthread"]
    }
  ]
}
