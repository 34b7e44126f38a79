# One user-facing behaviour of the ts2onnx CLI per CASE (see CMakeLists.txt): a mistake gives
# exit code 1 and one line on stderr of the expected shape, and writes no model; a silent wrong
# result of earlier versions is now an error, a warning, or correct.
# -DTOOL=ts2onnx -DFIXTURES=fixtures/ -DDATA=tests/cli/data -DWORK=dir -DFLIP=flip_record_byte
set(out ${WORK}/${CASE})
file(REMOVE_RECURSE ${out})
file(MAKE_DIRECTORY ${out})
set(mlp ${FIXTURES}/mlp/model.pt)

# Runs the tool; sets rc, out_text (stdout) and err (stderr) in the caller.
function(tool)
  execute_process(COMMAND ${TOOL} ${ARGN} RESULT_VARIABLE r OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(rc "${r}" PARENT_SCOPE)
  set(out_text "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# Exit code 1, exactly one line on stderr matching `regex`, and no file at `model`.
function(expect_error model regex)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "${CASE}: exit code ${rc}, expected 1 (stderr: ${err})")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1)
    message(FATAL_ERROR "${CASE}: ${lines} lines on stderr, expected one:\n${err}")
  endif()
  if(NOT err MATCHES "${regex}")
    message(FATAL_ERROR "${CASE}: expected /${regex}/ in:\n${err}")
  endif()
  if(model AND EXISTS ${model})
    message(FATAL_ERROR "${CASE}: a failed conversion wrote ${model}")
  endif()
  message(STATUS "${CASE}: ${err}")
endfunction()

function(expect_ok)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: exit code ${rc}, expected 0 (stderr: ${err})")
  endif()
endfunction()

function(expect_match what text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${CASE}: ${what}: expected /${regex}/ in:\n${text}")
  endif()
endfunction()

if(CASE STREQUAL "dynamic-axis-unknown-name")
  # A typo, and the argument's name after --input renamed it: both are errors that list the
  # names the model has.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,20] --dynamic-axis xx:0=batch)
  expect_error(${out}/a.onnx "^ts2onnx convert: error: --dynamic-axis xx:0: the model has no input or output named 'xx' \\(inputs: x; outputs: output_0\\)\n$")
  tool(convert ${mlp} -o ${out}/a.onnx --input input:float32[4,20] --dynamic-axis x:0=batch)
  expect_error(${out}/a.onnx "no input or output named 'x' \\(inputs: input; outputs: output_0\\)")

elseif(CASE STREQUAL "dynamic-axis-output")
  # An output's dynamic axis is applied, as torch's dynamic_axes does.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,20] --dynamic-axis x:0=batch
       --dynamic-axis output_0:0=batch)
  expect_ok()
  tool(inspect ${out}/a.onnx)
  expect_match("inspect" "${out_text}" "inputs:\n  x: float32\\[batch,20\\]\noutputs:\n  output_0: float32\\[batch,10\\]\n")

elseif(CASE STREQUAL "dynamic-axis-list-form")
  # NAME:AXIS (torch's {'x': [0]}) gets a generated symbol, named as torch names it.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,20] --dynamic-axis x:0)
  expect_ok()
  tool(inspect ${out}/a.onnx)
  expect_match("inspect" "${out_text}" "  x: float32\\[x_dynamic_axes_1,20\\]\n")

elseif(CASE STREQUAL "input-minus-one")
  # -1 and ? are each a dynamic dim of their own, never one shared symbol "-1".
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[-1,?])
  expect_ok()
  tool(inspect ${out}/a.onnx)
  expect_match("inspect" "${out_text}" "  x: float32\\[x_dim0,x_dim1\\]\n")
  tool(convert ${mlp} -o ${out}/b.onnx --input x:float32[-2,20])
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${CASE}: exit code ${rc} for a usage error, expected 2")
  endif()
  expect_match("-2" "${err}" "^ts2onnx convert: error: --input 'x:float32\\[-2,20\\]': dimension '-2' is negative \\(use -1, \\? or a name for a dynamic dim\\)")

elseif(CASE STREQUAL "softplus-threshold")
  # F.softplus(x, beta=2, threshold=1): above the threshold torch returns x itself.
  set(d ${DATA}/softplus_threshold)
  tool(convert ${d}/model.pt -o ${out}/a.onnx --input x:float32[4,6])
  expect_ok()
  tool(verify ${out}/a.onnx --meta ${d}/meta.json --input x=${d}/input_0.bin
       --expect ${d}/output_0.bin)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: verify failed:\n${out_text}${err}")
  endif()

elseif(CASE STREQUAL "tuple-input")
  # A tuple argument (an LSTM's (h0, c0)) given in one --input, in the form the missing-input
  # error prints; the model takes its members as hx.0 and hx.1 and matches torch's outputs.
  set(d ${FIXTURES}/lstm_seed_traced)
  tool(convert ${d}/model.pt -o ${out}/a.onnx --input input:float32[5,3,10])
  expect_error(${out}/a.onnx "; add --input 'hx:\\(DTYPE\\[DIMS\\],DTYPE\\[DIMS\\]\\)'\n$")
  tool(convert ${d}/model.pt -o ${out}/a.onnx --input input:float32[5,3,10]
       "--input=hx:(float32[8,3,20], float32[8,3,20])")
  expect_ok()
  tool(verify ${out}/a.onnx --meta ${d}/meta.json --input input=${d}/input_0.bin
       --input hx.0=${d}/input_1.bin --input hx.1=${d}/input_2.bin --expect ${d}/output_0.bin
       --expect ${d}/output_1.bin --expect ${d}/output_2.bin)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: verify failed:\n${out_text}${err}")
  endif()
  # A member that is not DTYPE[dims], and a nested tuple: usage errors naming the member.
  tool(convert ${d}/model.pt -o ${out}/b.onnx --input input:float32[5,3,10]
       "--input=hx:(float32[8,3,20],float33[8,3,20])")
  expect_match("bad member" "${err}" "^ts2onnx convert: error: --input 'hx:\\(float32\\[8,3,20\\],float33\\[8,3,20\\]\\)': member 1 \\('float33\\[8,3,20\\]'\\) is not DTYPE\\[dims\\]: .*unknown dtype 'float33'")
  tool(convert ${d}/model.pt -o ${out}/b.onnx --input input:float32[5,3,10]
       "--input=hx:((float32[8,3,20]),float32[8,3,20])")
  expect_match("nested" "${err}" "nested tuples are not supported")
  if(NOT rc EQUAL 2 OR EXISTS ${out}/b.onnx)
    message(FATAL_ERROR "${CASE}: a malformed tuple spec gave exit ${rc}")
  endif()

elseif(CASE STREQUAL "model-raises")
  # The model's own argument check (`if x.dim() != 2: raise RuntimeError(...)`) decides a wrong
  # rank: one line with the raise's location, the message and the input; no model.
  set(m ${FIXTURES}/raise_branches/model.pt)
  tool(convert ${m} -o ${out}/a.onnx --input x:float32[2,3,1] --input y:float32[2,4])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: [^ ]*model\\.pt:code/__torch__\\.py:[0-9]+:[0-9]+: the model raises RuntimeError\\('expected a 2-D input'\\) for these --input specs \\(its check reads input 'x'\\), as torch would")
  # The right rank converts.
  tool(convert ${m} -o ${out}/a.onnx --input x:float32[2,3] --input y:float32[2,4])
  expect_ok()

elseif(CASE STREQUAL "wrong-broadcast")
  # add(x, y) given shapes torch cannot broadcast: both inputs named, no model.
  tool(convert ${FIXTURES}/real_torchsharp_func/model.pt -o ${out}/a.onnx
       --input x:float32[2,3,1] --input y:float32[2,3])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: [^ ]*model\\.pt:code/__torch__\\.py:[0-9]+:[0-9]+: aten::add cannot broadcast input 'x' float32\\[2,3,1\\] with input 'y' float32\\[2,3\\] \\(sizes 3 and 2 at dim -2\\), which torch refuses")

elseif(CASE STREQUAL "wrong-view-count")
  # A traced view with a baked shape given an input of another size: torch raises, no model.
  tool(convert ${FIXTURES}/baked_view_traced/model.pt -o ${out}/a.onnx --input x:float32[2,4,4])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*: aten::view cannot make input 'x' float32\\[2,4,4\\] \\(32 elements\\) into shape \\[6,4\\]")

elseif(CASE STREQUAL "wrong-mask")
  # nn.MultiheadAttention's fast path given a key padding mask for another sequence length.
  tool(convert ${FIXTURES}/attn_mha_scripted/model.pt -o ${out}/a.onnx
       --input x:float32[2,6,16] --input key_padding_mask:bool[2,5])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*: aten::_native_multi_head_attention needs a key padding mask of \\[2,6\\] \\(batch, source length, from input 'x' float32\\[2,6,16\\]\\), not input 'key_padding_mask' bool\\[2,5\\]")
  tool(convert ${FIXTURES}/attn_mha_scripted/model.pt -o ${out}/a.onnx
       --input x:float32[2,6,16] --input key_padding_mask:bool[2,6])
  expect_ok()

elseif(CASE STREQUAL "aten-fallback")
  # An op whose symbolic refuses its arguments (unique with sorted=False) stays an ATen node with
  # ONNX_ATEN_FALLBACK, as with torch.onnx.export: the model passes ONNX's checker (convert runs
  # it) and imports the org.pytorch.aten domain; its outputs are typed by the ops after it.
  set(d ${DATA}/aten_fallback)
  tool(convert ${d}/unique.pt -o ${out}/u.onnx --input x:float32[5]
       --operator-export-type ONNX_ATEN_FALLBACK)
  expect_ok()
  tool(inspect ${out}/u.onnx)
  expect_match("ATen domain imported" "${out_text}" "org.pytorch.aten 1")
  expect_match("typed output" "${out_text}" "outputs:\n  output_0: float32\\[\\]")
  tool(convert ${d}/unique.pt -o ${out}/t.onnx --input x:float32[5]
       --operator-export-type ONNX_FALLTHROUGH)
  expect_ok()
  # Without a fallback the same refusal is an error.
  tool(convert ${d}/unique.pt -o ${out}/n.onnx --input x:float32[5])
  expect_error(${out}/n.onnx "^ts2onnx convert: error: .*unique.pt:code/.*: aten::_unique2: unique with sorted=False")
elseif(CASE STREQUAL "aten-fallback-unknown-rank")
  # A graph output computed from a fallback node of unknown shape cannot be a valid ONNX output:
  # one line naming the output, the node and its source line, not the checker's words.
  set(d ${DATA}/aten_fallback)
  tool(convert ${d}/bernoulli.pt -o ${out}/b.onnx --input x:float32[3,3]
       --operator-export-type ONNX_ATEN_FALLBACK)
  expect_error(${out}/b.onnx "^ts2onnx convert: error: the rank of graph output 'output_0' is unknown: it is computed from aten::bernoulli \\(kept as a node of domain org.pytorch.aten\\) at [^ ]*bernoulli.pt:code/[^ ]*.py:[0-9]+:[0-9]+, whose output rank is unknown")
  tool(convert ${d}/bernoulli.pt -o ${out}/f.onnx --input x:float32[3,3]
       --operator-export-type ONNX_FALLTHROUGH)
  expect_error(${out}/f.onnx "^ts2onnx convert: error: the rank of graph output 'output_0' is unknown: it is computed from aten::bernoulli at [^ ]*bernoulli.pt:code/[^ ]*.py:[0-9]+:[0-9]+")
elseif(CASE STREQUAL "signature-optional-bool")
  # torch 2.x's scripted TransformerEncoder takes `is_causal: Optional[bool] = None`: the
  # suggested spec is its bool, named as in the signature.
  tool(dump --signature ${FIXTURES}/torch-2.9/transformer_encoder_scripted/model.pt)
  expect_ok()
  expect_match("signature" "${out_text}"
               "^--input 'src:DTYPE\\[DIMS\\]' --input 'mask:DTYPE\\[DIMS\\]' --input 'src_key_padding_mask:DTYPE\\[DIMS\\]' --input 'is_causal:bool\\[\\]'")
elseif(CASE STREQUAL "argument-defaults")
  # forward(x, scale: float = 2.0, shift: int = -1, flag: bool = False, mask=None) given only x:
  # the others take their signature defaults, and the model computes what torch did.
  set(d ${DATA}/defaults)
  tool(convert ${d}/model.pt -o ${out}/a.onnx --input x:float32[3,4])
  expect_ok()
  tool(inspect ${out}/a.onnx)
  expect_match("only x is an input" "${out_text}" "inputs:\n  x: float32\\[3,4\\]\noutputs:")
  tool(verify ${out}/a.onnx --meta ${d}/meta.json --input x=${d}/input_0.bin
       --expect ${d}/output_0.bin)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CASE}: verify failed:\n${out_text}${err}")
  endif()

elseif(CASE STREQUAL "verify-compares-shapes")
  # Same element count, other shape: FAIL whether the shape is given on the line, found in the
  # meta.json beside the file, or only known from the model.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[batch,20])
  expect_ok()
  tool(verify ${out}/a.onnx --input x=${FIXTURES}/mlp/input_0.bin:4,20
       --expect ${FIXTURES}/mlp/output_0.bin:5,8)
  expect_match("exit code" "${rc}" "^1$")
  expect_match("given shape" "${out_text}" "output_0: float32\\[4,10\\]  FAIL: shape \\[4,10\\] differs from the expected \\[5,8\\]")
  file(COPY ${FIXTURES}/mlp/output_0.bin DESTINATION ${out})
  tool(verify ${out}/a.onnx --input x=${FIXTURES}/mlp/input_0.bin:4,20
       --expect ${out}/output_0.bin)
  expect_match("unknown shape" "${out_text}" "FAIL: the shape of '.*output_0.bin' is unknown")
  # The fixture's meta.json beside the file gives [4,10]: PASS.
  tool(verify ${out}/a.onnx --input x=${FIXTURES}/mlp/input_0.bin:4,20
       --expect ${FIXTURES}/mlp/output_0.bin)
  expect_ok()
  expect_match("meta beside" "${out_text}" "output_0: float32\\[4,10\\] .* PASS\n")

elseif(CASE STREQUAL "verify-npy")
  # .npy inputs and expectations (numpy's np.save): the header gives dtype and shape, so a
  # recorded [4,10] passes, the same bytes saved as [5,8] fail on shape, and a float64 input for
  # a float32 model is an error naming both dtypes.
  set(d ${DATA}/npy)
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[batch,20])
  expect_ok()
  tool(verify ${out}/a.onnx --input x=${d}/x.npy --expect ${d}/y.npy)
  expect_ok()
  expect_match("npy pass" "${out_text}" "output_0: float32\\[4,10\\] .* PASS\n")
  tool(verify ${out}/a.onnx --input x=${d}/x.npy --expect ${d}/y_5x8.npy)
  expect_match("exit code" "${rc}" "^1$")
  expect_match("npy shape" "${out_text}" "FAIL: shape \\[4,10\\] differs from the expected \\[5,8\\]")
  tool(verify ${out}/a.onnx --input x=${d}/x_f64.npy --expect ${d}/y.npy)
  expect_error("" "^ts2onnx verify: error: input 'x': '.*x_f64.npy' holds float64, the model needs float32\n$")

elseif(CASE STREQUAL "verify-random")
  # A smoke run with no recorded outputs: --random feeds seeded data of the model's shape
  # (dynamic dims 2), runs onnxruntime, prints each output and exits 0; the same data each run.
  # Without --random, a missing --input and no --expect stay usage errors.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[batch,20])
  expect_ok()
  tool(verify ${out}/a.onnx --random)
  expect_ok()
  expect_match("random input" "${out_text}" "x: random float32\\[2,20\\]\n")
  expect_match("output shown" "${out_text}" "output_0: float32\\[2,10\\]  \\(no expected file; not compared\\)\n")
  expect_match("verdict" "${out_text}" "RAN \\(random inputs, no --expect: nothing compared\\)\n$")
  set(first "${out_text}")
  tool(verify ${out}/a.onnx --random)
  if(NOT out_text STREQUAL first)
    message(FATAL_ERROR "${CASE}: two --random runs differ:\n${first}\n${out_text}")
  endif()
  tool(verify ${out}/a.onnx)
  expect_match("usage error" "${rc}" "^2$")
  expect_match("missing input" "${err}" "missing --input x=FILE for model input 'x'")

elseif(CASE STREQUAL "frozen-shape-minus-one")
  # A traced x.view(int(x.size(0)), -1) recorded the batch 3: a dynamic batch warns.
  set(d ${DATA}/flatten_traced)
  tool(convert ${d}/model.pt -o ${out}/a.onnx --input x:float32[batch,2,6])
  expect_ok()
  expect_match("warning" "${err}" "model\\.pt:code/__torch__\\.py:[0-9]+:[0-9]+: warning: aten::view to the shape \\[3, -1\\] of a tensor whose dim 0 is dynamic \\(batch\\) but given as the constant 3")
  tool(convert ${d}/model.pt -o ${out}/b.onnx --input x:float32[3,2,6])
  expect_ok()
  if(err MATCHES "warning")
    message(FATAL_ERROR "${CASE}: static batch warned:\n${err}")
  endif()

elseif(CASE STREQUAL "crc-flipped-byte")
  # A byte flipped in a tensor record: an error naming the record; --no-crc-check converts.
  file(COPY ${mlp} DESTINATION ${out})
  execute_process(COMMAND ${FLIP} ${out}/model.pt /data/0 RESULT_VARIABLE r)
  if(NOT r EQUAL 0)
    message(FATAL_ERROR "${CASE}: flip_record_byte failed")
  endif()
  tool(convert ${out}/model.pt -o ${out}/a.onnx --input x:float32[4,20])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*model\\.pt: zip: record 'data/0' is corrupt: its CRC-32 is [0-9a-f]+, the archive declares [0-9a-f]+ \\(re-save the model; --no-crc-check converts it anyway\\)")
  tool(convert ${out}/model.pt -o ${out}/a.onnx --input x:float32[4,20] --no-crc-check)
  expect_ok()

elseif(CASE STREQUAL "crc-flipped-weight")
  # A byte flipped in a large weight record, whose CRC-32 is checked while the weight is read
  # anyway: through a fused Conv+BatchNorm weight (checked before the output is renamed into
  # place), or copied as it is (checked in the copy). Reference mode leaves the record unread.
  file(COPY ${FIXTURES}/resnet18_traced DESTINATION ${out})
  set(pt ${out}/resnet18_traced/model.pt)
  execute_process(COMMAND ${FLIP} ${pt} /data/96 RESULT_VARIABLE r)
  if(NOT r EQUAL 0)
    message(FATAL_ERROR "${CASE}: flip_record_byte failed")
  endif()
  set(corrupt "^ts2onnx convert: error: .*model\\.pt: zip: record 'data/96' is corrupt: its CRC-32 is [0-9a-f]+, the archive declares [0-9a-f]+ \\(re-save the model; --no-crc-check converts it anyway\\)")
  tool(convert ${pt} -o ${out}/a.onnx --input x:float32[1,3,64,64])
  expect_error(${out}/a.onnx "${corrupt}")
  tool(convert ${pt} -o ${out}/resnet18_traced/b.onnx --input x:float32[1,3,64,64]
       --external-data-reference --external-data-threshold 1000000)
  expect_error(${out}/resnet18_traced/b.onnx "${corrupt}")
  if(EXISTS ${out}/resnet18_traced/b.onnx.data)
    message(FATAL_ERROR "${CASE}: a failed conversion left its data file")
  endif()
  tool(convert ${pt} -o ${out}/resnet18_traced/c.onnx --input x:float32[1,3,64,64]
       --external-data-reference)
  expect_ok()
  tool(convert ${pt} -o ${out}/a.onnx --input x:float32[1,3,64,64] --no-crc-check)
  expect_ok()

elseif(CASE STREQUAL "verbose-initializer-bytes")
  # --verbose counts the initializers streamed into the file too (it counted 768 bytes of
  # resnet18's 44.6 MiB): the same total as inspect's, to its 0.1 MiB.
  tool(convert ${FIXTURES}/resnet18_traced/model.pt -o ${out}/a.onnx
       --input x:float32[1,3,224,224] --verbose)
  expect_ok()
  string(REGEX MATCH "initializers: [0-9]+ \\(([0-9]+) bytes\\)" m "${err}")
  set(bytes ${CMAKE_MATCH_1})
  tool(inspect ${out}/a.onnx)
  string(REGEX MATCH "initializers: [0-9]+ \\(([0-9]+)\\.([0-9]) MiB\\)" m "${out_text}")
  if(NOT bytes OR NOT m)
    message(FATAL_ERROR "${CASE}: no byte counts in:\n${err}\n${out_text}")
  endif()
  math(EXPR tenths "(${bytes} * 10 + 524288) / 1048576")
  if(NOT tenths EQUAL "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
    message(FATAL_ERROR "${CASE}: --verbose says ${bytes} bytes, inspect ${CMAKE_MATCH_1}.${CMAKE_MATCH_2} MiB")
  endif()

elseif(CASE STREQUAL "node-count")
  # The success line counts the nodes of If/Loop bodies as inspect does.
  tool(convert ${FIXTURES}/if_loop/model.pt -o ${out}/a.onnx --input x:float32[batch,6]
       --input n:int64[])
  expect_ok()
  string(REGEX MATCH "opset 17, ([0-9]+) nodes" m "${err}")
  set(converted ${CMAKE_MATCH_1})
  tool(inspect ${out}/a.onnx)
  string(REGEX MATCH "\nnodes: ([0-9]+)\n" m "${out_text}")
  if(NOT converted OR NOT converted STREQUAL CMAKE_MATCH_1)
    message(FATAL_ERROR "${CASE}: convert says ${converted} nodes, inspect ${CMAKE_MATCH_1}")
  endif()
  expect_match("subgraphs" "${out_text}" "  (Loop|If) ")

elseif(CASE STREQUAL "wrong-channels")
  # resnet18 given 4 channels: the input, the op, its source line and the spec that fits.
  tool(convert ${FIXTURES}/resnet18_traced/model.pt -o ${out}/a.onnx
       --input x:float32[1,4,224,224])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: [^ ]*model\\.pt:code/[^ ]+\\.py:[0-9]+:[0-9]+: input 'x' is float32\\[1,4,224,224\\], but aten::_convolution needs 3 channels at dim 1 \\(weight \\[[0-9]+,3,7,7\\], groups 1\\); give --input 'x:float32\\[1,3,224,224\\]' \\(in pass 'check-input-shapes'\\)\n$")

elseif(CASE STREQUAL "wrong-features")
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,21])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*: input 'x' is float32\\[4,21\\], but aten::linear needs 20 features at dim 1 \\(weight \\[[0-9]+,20\\]\\); give --input 'x:float32\\[4,20\\]'")

elseif(CASE STREQUAL "wrong-rank")
  tool(convert ${FIXTURES}/resnet18_traced/model.pt -o ${out}/a.onnx
       --input x:float32[3,224,224,1,1])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*: input 'x' is float32\\[3,224,224,1,1\\], but aten::_convolution needs rank 4 \\(or 3 unbatched\\)")

elseif(CASE STREQUAL "wrong-dtype")
  tool(convert ${mlp} -o ${out}/a.onnx --input x:int64[4,20])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*: input 'x' is int64\\[4,20\\], but aten::linear needs dtype float32 \\(that of its weight\\); give --input 'x:float32\\[4,20\\]'")

elseif(CASE STREQUAL "wrong-dtype-written")
  # x[i] = v with v float64 into float32: torch refuses ("Index put requires the source and
  # destination dtypes match"); both inputs are named.
  tool(convert ${FIXTURES}/index_put_scripted/model.pt -o ${out}/a.onnx --input x:float32[4,3]
       --input i:int64[4] --input j:int64[4] --input u:int64[4] --input v:float64[4,3]
       --input w:float32[4])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: [^ ]*model\\.pt:code/__torch__\\.py:[0-9]+:[0-9]+: aten::index_put writes float64 values \\(from input 'v'\\) into a float32 tensor \\(from input 'x'\\), which torch refuses: check the dtypes of the --input specs")

elseif(CASE STREQUAL "error-prefix")
  # Errors that carry a source location start with the command too.
  set(custom ${FIXTURES}/custom_scaled_tanh)
  tool(convert ${custom}/model.pt -o ${out}/a.onnx --input x:float32[batch,6])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*model\\.pt:code/__torch__\\.py:10:9: unknown operator mydomain::scaled_tanh")

elseif(CASE STREQUAL "missing-input")
  # No --input at all, and one of two missing: a ready template from the signature (the int
  # argument's dtype and rank come from the archive's code); dump --signature prints the same.
  set(m ${FIXTURES}/if_loop/model.pt)
  tool(convert ${m} -o ${out}/a.onnx)
  expect_error(${out}/a.onnx "^ts2onnx convert: error: missing --input: forward needs --input 'x:DTYPE\[DIMS\]' --input 'n:int64\[\]' \(DTYPE: float32, int64, \.\.\.; DIMS: 1,3,224,224 or batch,3,224,224; `ts2onnx dump --signature` prints this\)
$")
  tool(dump ${m} --signature)
  expect_ok()
  expect_match("dump --signature" "${out_text}" "^--input 'x:DTYPE\[DIMS\]' --input 'n:int64\[\]'
$")
  tool(convert ${m} -o ${out}/a.onnx --input x:float32[3,6])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*model\.pt: forward takes 2 arguments \(x, n\) but 1 --input spec was given; add --input 'n:int64\[\]'
$")

elseif(CASE STREQUAL "no-forward")
  # An archive with methods but no forward (libtorch test models): dump shows its summary and
  # methods, convert names them, --method converts each; one with no methods at all dumps too.
  set(m ${FIXTURES}/no_forward_methods/model.pt)
  tool(dump ${m})
  expect_ok()
  expect_match("dump" "${out_text}" "methods: norm, scale\nconstants: 0\nno forward method: `--method NAME` prints the graph of one of the methods above\n$")
  tool(dump ${m} --method scale --signature)
  expect_ok()
  expect_match("dump --signature" "${out_text}" "^--input 'x:DTYPE\\[DIMS\\]' --input 'y:DTYPE\\[DIMS\\]'")
  tool(dump ${m} --method nope)
  expect_error("" "^ts2onnx dump: error: model\\.pt: class '__torch__\\.NoForward' has no method 'nope' \\(its methods: norm, scale\\)\n$")
  tool(convert ${m} -o ${out}/a.onnx --input x:float32[2,3])
  expect_error(${out}/a.onnx "has no method 'forward' \\(its methods: norm, scale\\)")
  tool(convert ${m} -o ${out}/a.onnx --method norm --input x:float32[2,3])
  expect_ok()
  tool(dump ${FIXTURES}/../../shared/real-archives/metatensor_test-module.pt)
  if(EXISTS ${FIXTURES}/../../shared/real-archives/metatensor_test-module.pt)
    expect_ok()
    expect_match("dump" "${out_text}" "methods: \\(none\\)\nconstants: 0\nno methods: nothing to compile\n$")
  endif()

elseif(CASE STREQUAL "extra-input")
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,20] --input extra:float32[1])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: .*model\.pt: forward takes 1 argument \(x\) but 2 --input specs were given; 'extra' matches no argument
$")

elseif(CASE STREQUAL "not-torchscript")
  # What the file is, and the Python that makes a TorchScript archive of it.
  set(d ${DATA}/not_torchscript)
  set(trace "torch\\.jit\\.trace\\(model\\.eval\\(\\), example_input\\)\\.save\\('model_ts\\.pt'\\)\n$")
  tool(convert ${d}/state_dict.pt -o ${out}/a.onnx --input x:float32[1,2])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: state_dict\\.pt is a state_dict saved with torch\\.save \\(weights, no code\\), not a TorchScript archive; make one in Python: model\\.load_state_dict\\(torch\\.load\\('state_dict\\.pt'\\)\\); ${trace}")
  tool(convert ${d}/module.pt -o ${out}/a.onnx --input x:float32[1,2])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: module\\.pt is a whole module \\(torch\\.nn\\.modules\\.linear\\.Linear\\) pickled with torch\\.save, not a TorchScript archive; make one in Python: model = torch\\.load\\('module\\.pt'\\); ${trace}")
  tool(convert ${d}/checkpoint.pt -o ${out}/a.onnx --input x:float32[1,2])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: checkpoint\\.pt is a dict saved with torch\\.save \\(a checkpoint\\?\\), not a TorchScript archive; make one in Python: model\\.load_state_dict\\(torch\\.load\\('checkpoint\\.pt'\\)\\['state_dict'\\]\\) \\(or the key that holds the weights\\); ${trace}")
  tool(convert ${d}/model.safetensors -o ${out}/a.onnx --input x:float32[1,2])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: model\\.safetensors is a safetensors file \\(weights, no code\\), not a TorchScript archive; make one in Python: model\\.load_state_dict\\(safetensors\\.torch\\.load_file\\('model\\.safetensors'\\)\\); ${trace}")
  tool(convert ${mlp} -o ${out}/mlp.onnx --input x:float32[4,20])
  expect_ok()
  file(RENAME ${out}/mlp.onnx ${out}/mlp.bin)
  tool(convert ${out}/mlp.bin -o ${out}/a.onnx --input x:float32[4,20])
  expect_error(${out}/a.onnx "^ts2onnx convert: error: mlp\\.bin is an ONNX model already, not a TorchScript archive; `ts2onnx inspect [^`]*mlp\\.bin` summarizes it\n$")

elseif(CASE STREQUAL "version")
  tool(--version)
  expect_ok()
  expect_match("--version" "${out_text}" "^ts2onnx [0-9]+\\.[0-9]+\\.[0-9]+.*\n$")

elseif(CASE STREQUAL "static-deps")
  execute_process(COMMAND ldd ${TOOL} OUTPUT_VARIABLE deps ERROR_VARIABLE lddErr
                  RESULT_VARIABLE lddRc)
  if(NOT lddRc EQUAL 0 OR NOT deps MATCHES "libc\\.so")
    message(FATAL_ERROR "${CASE}: ldd ${TOOL} failed (${lddRc}): ${lddErr}${deps}")
  endif()
  if(deps MATCHES "lib(absl_[a-z0-9_]+|protobuf|z|deflate|fmt)\\.so")
    message(FATAL_ERROR "${CASE}: ${TOOL} loads ${CMAKE_MATCH_0}, which it should link "
                        "statically:\n${deps}")
  endif()
  if(STATIC_CXX AND deps MATCHES "lib(stdc\\+\\+|gcc_s)\\.so")
    message(FATAL_ERROR "${CASE}: ${TOOL} loads ${CMAKE_MATCH_0}, which it should link "
                        "statically (no other shared C++ library is linked):\n${deps}")
  endif()
  # The executable so linked converts.
  tool(convert ${mlp} -o ${out}/static.onnx --input x:float32[4,20])
  expect_ok()

elseif(CASE STREQUAL "positional-output")
  tool(convert ${mlp} ${out}/a.onnx --input x:float32[4,20])
  expect_ok()
  if(NOT EXISTS ${out}/a.onnx)
    message(FATAL_ERROR "${CASE}: convert IN OUT wrote no ${out}/a.onnx")
  endif()

elseif(CASE STREQUAL "output-directory")
  # -o naming a directory fails before the archive is even read (it does not exist here).
  tool(convert ${out}/missing.pt -o ${out} --input x:float32[4,20])
  if(NOT rc EQUAL 2 OR NOT err MATCHES "^ts2onnx convert: error: -o '[^']*' is a directory; name the file to write \\(e\\.g\\. [^ ]*/model\\.onnx\\)")
    message(FATAL_ERROR "${CASE}: exit ${rc}: ${err}")
  endif()

elseif(CASE STREQUAL "inspect-archive")
  tool(inspect ${mlp})
  expect_error("" "^ts2onnx inspect: error: '[^']*model\\.pt' is a zip \\(a TorchScript archive\\?\\), not an ONNX model; `ts2onnx dump [^`]*` shows an archive")

elseif(CASE STREQUAL "dtype-aliases")
  foreach(alias float f32 torch.float32)
    tool(convert ${mlp} -o ${out}/a.onnx --input x:${alias}[4,20])
    expect_ok()
    tool(inspect ${out}/a.onnx)
    expect_match("${alias}" "${out_text}" "  x: float32\\[4,20\\]\n")
  endforeach()
  tool(convert ${FIXTURES}/if_loop/model.pt -o ${out}/b.onnx --input x:float[3,6] --input n:long[])
  expect_ok()
  tool(inspect ${out}/b.onnx)
  expect_match("long" "${out_text}" "  n: int64\\[\\]\n")

elseif(CASE STREQUAL "time-passes-phases")
  # --time-passes prints, after the passes' table, one of the conversion's phases in their
  # order, whose rows add up to its total; a conversion that fails prints the phases it reached.
  tool(convert ${mlp} -o ${out}/a.onnx --input x:float32[4,20] --time-passes)
  expect_ok()
  set(row "  +([0-9]+\\.[0-9]+) \\( *[0-9.]+%\\)  ")
  set(table "Pass execution timing report.*Conversion phase timing report ...\n=[-=]+\n  Total Execution Time: ([0-9.]+) seconds\n\n  ----Wall Time----  ----Name----\n${row}read archive [^\n]*\n${row}compile [^\n]*\n${row}passes\n${row}emit ONNX[^\n]*\n${row}write\n${row}Total\nts2onnx convert: wrote")
  expect_match(stderr "${err}" "${table}")
  string(REGEX MATCH "${table}" m "${err}") # sets CMAKE_MATCH_1..7 here
  # Each row is rounded to 0.1 ms (tenths of a millisecond below): their sum is the total within 0.3 ms.
  set(times ${CMAKE_MATCH_2} ${CMAKE_MATCH_3} ${CMAKE_MATCH_4} ${CMAKE_MATCH_5} ${CMAKE_MATCH_6})
  set(total ${CMAKE_MATCH_7})
  string(REPLACE "." "" total "${total}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" total "${total}")
  set(sum 0)
  foreach(t ${times})
    string(REPLACE "." "" t "${t}")
    string(REGEX REPLACE "^0+([0-9])" "\\1" t "${t}")
    math(EXPR sum "${sum} + ${t}")
  endforeach()
  math(EXPR gap "${sum} - ${total}")
  if(gap GREATER 3 OR gap LESS -3)
    message(FATAL_ERROR "${CASE}: the phases add up to ${sum}e-4 s, the total is ${total}e-4 s:\n${err}")
  endif()
  tool(convert ${mlp} -o ${out}/b.onnx --input x:float32[4,20] --input extra:float32[1]
       --time-passes)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "${CASE}: an extra input converted (rc ${rc}): ${err}")
  endif()
  expect_match(stderr "${err}" "Conversion phase timing report.*read archive [^\n]*\n${row}compile [^\n]*\n${row}Total\n")

else()
  message(FATAL_ERROR "unknown CASE '${CASE}'")
endif()
