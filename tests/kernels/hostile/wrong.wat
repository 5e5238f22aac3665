;; forward returns constant logits (class 3 for every input): well-formed, fast, and wrong.
(module
  (memory (export "memory") 32)
  (global $next (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.and (i32.add (i32.add (global.get $next) (local.get $n)) (i32.const 15)) (i32.const -16)))
    (local.get $p))
  (func (export "load_weights") (param i32 i32) (result i32) (i32.const 0))
  (func (export "forward") (param $in i32) (param $out i32) (param $batch i32) (result i32)
    (local $i i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (i32.mul (local.get $batch) (i32.const 10))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (select (f32.const 5) (f32.const 0) (i32.eq (i32.rem_u (local.get $i) (i32.const 10)) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.const 0)))
