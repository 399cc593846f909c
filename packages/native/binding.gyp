{
  "targets": [
    {
      "target_name": "scalespace_native",
      "sources": [
        "addon/addon.cc",
        "addon/conv.cc",
        "addon/depthwise.cc",
        "addon/epilogue.cc",
        "addon/gemm.cc",
        "addon/grouped-sum.cc",
        "addon/im2col.cc",
        "addon/peak.cc",
        "addon/reduce.cc",
        "addon/scratch.cc",
        "addon/thread-pool.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/openblas.cjs include)"
      ],
      "libraries": ["<!@(node scripts/openblas.cjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"]
      },
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-march=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-march=native"] }
        }],
        ["target_arch=='arm64'", {
          "cflags_cc": ["-mcpu=native"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mcpu=native"] }
        }]
      ]
    }
  ]
}
