;; forward never returns: the page's watchdog terminates the worker running it.
(module
  (memory (export "memory") 32)
  (global $next (mut i32) (i32.const 1024))
  (func (export "alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.and (i32.add (i32.add (global.get $next) (local.get $n)) (i32.const 15)) (i32.const -16)))
    (local.get $p))
  (func (export "load_weights") (param i32 i32) (result i32) (i32.const 0))
  (func (export "forward") (param i32 i32 i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
